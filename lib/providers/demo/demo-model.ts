import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4FinishReason,
  LanguageModelV4Prompt,
  LanguageModelV4StreamPart,
  LanguageModelV4Usage,
} from '@ai-sdk/provider';
import { estimatePromptTokens, splitIntoTokenPieces } from '@/lib/tokens';
import { writeDemoAnswer } from './demo-text';

export interface DemoModelOptions {
  modelId: string;
  /** Pause before each streamed token. */
  tokenDelayMs: number;
}

interface DemoAnswer {
  pieces: string[];
  usage: LanguageModelV4Usage;
  finishReason: LanguageModelV4FinishReason;
}

function lastUserText(prompt: LanguageModelV4Prompt): string {
  const message = prompt.findLast((entry) => entry.role === 'user');
  if (!message) return '';
  return message.content.map((part) => (part.type === 'text' ? part.text : '')).join(' ');
}

function answer(options: LanguageModelV4CallOptions): DemoAnswer {
  const { pieces: allPieces } = splitIntoTokenPieces(writeDemoAnswer(lastUserText(options.prompt)));
  const limit = options.maxOutputTokens ?? Number.POSITIVE_INFINITY;
  const pieces = allPieces.slice(0, limit);
  const truncated = pieces.length < allPieces.length;
  const outputTokens = splitIntoTokenPieces(pieces.join('')).tokenCount;
  const inputTokens = estimatePromptTokens(options.prompt);
  return {
    pieces,
    finishReason: { unified: truncated ? 'length' : 'stop', raw: truncated ? 'length' : 'stop' },
    usage: {
      inputTokens: { total: inputTokens, noCache: inputTokens, cacheRead: 0, cacheWrite: 0 },
      outputTokens: { total: outputTokens, text: outputTokens, reasoning: 0 },
    },
  };
}

function sleep(milliseconds: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    // One listener per token would pile up on the request's signal: remove it when the wait ends.
    const abort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, milliseconds);
    signal?.addEventListener('abort', abort, { once: true });
  });
}

/** A model that needs no network: deterministic Markdown, paced like a real stream. */
export function createDemoModel({ modelId, tokenDelayMs }: DemoModelOptions): LanguageModelV4 {
  return {
    specificationVersion: 'v4',
    provider: 'demo',
    modelId,
    supportedUrls: {},

    async doGenerate(options) {
      const { pieces, usage, finishReason } = answer(options);
      return {
        content: [{ type: 'text', text: pieces.join('') }],
        finishReason,
        usage,
        warnings: [],
        response: { id: `demo-${Date.now()}`, modelId, timestamp: new Date() },
      };
    },

    async doStream(options) {
      const { pieces, usage, finishReason } = answer(options);
      const signal = options.abortSignal;
      let index = 0;
      const stream = new ReadableStream<LanguageModelV4StreamPart>({
        start(controller) {
          controller.enqueue({ type: 'stream-start', warnings: [] });
          controller.enqueue({ type: 'response-metadata', id: `demo-${Date.now()}`, modelId });
          controller.enqueue({ type: 'text-start', id: 'text-0' });
        },
        async pull(controller) {
          const piece = pieces[index++];
          if (piece === undefined) {
            controller.enqueue({ type: 'text-end', id: 'text-0' });
            controller.enqueue({ type: 'finish', finishReason, usage });
            controller.close();
            return;
          }
          if (tokenDelayMs > 0) await sleep(tokenDelayMs, signal);
          controller.enqueue({ type: 'text-delta', id: 'text-0', delta: piece });
        },
      });
      return { stream };
    },
  };
}
