import type { LanguageModelUsage, TextStreamPart, ToolSet } from 'ai';
import { GatewayError, toGatewayError } from '@/lib/errors';
import { countTokens } from '@/lib/tokens';
import { settleOnce } from './settle-once';
import type { ChatOutcome } from './types';
import { countedUsage, toUsage } from './usage';

export interface MeteredStream {
  stream: ReadableStream<TextStreamPart<ToolSet>>;
  /** Resolves exactly once, when the answer finished, failed or the client went away. */
  outcome: Promise<ChatOutcome>;
  /** Milliseconds to the first token, once it has arrived. */
  timeToFirstTokenMs(): number | undefined;
}

export interface MeterOptions {
  /** The input estimate, used when the provider reports no input count (abort, some errors). */
  inputTokenEstimate: number;
  signal?: AbortSignal;
  now?: () => number;
}

/**
 * Watches an AI SDK stream on its way to the client and keeps what billing needs: the text so
 * far, the time to first token and the provider's final usage. On an abort or an error the output
 * is counted from the text actually streamed, because the SDK reports no usage then.
 */
export function meterStream(
  source: ReadableStream<TextStreamPart<ToolSet>>,
  { inputTokenEstimate, signal, now = Date.now }: MeterOptions,
): MeteredStream {
  const startedAt = now();
  let text = '';
  let toolInput = '';
  let timeToFirstTokenMs: number | undefined;
  const once = settleOnce<ChatOutcome>(() => signal?.removeEventListener('abort', onAbort));

  const counted = () =>
    countedUsage(inputTokenEstimate, countTokens(text) + countTokens(toolInput));
  const end = (ending: ChatOutcome['ending'], error?: unknown) => {
    if (once.isSettled()) return;
    once.settle({
      ending,
      usage: counted(),
      usageSource: 'counted',
      finishReason: undefined,
      text,
      timeToFirstTokenMs,
      error,
    });
  };
  const onAbort = () => end('aborted', signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();

  const observe = (part: TextStreamPart<ToolSet>) => {
    switch (part.type) {
      case 'text-delta':
        timeToFirstTokenMs ??= now() - startedAt;
        text += part.text;
        break;
      case 'tool-input-delta':
        timeToFirstTokenMs ??= now() - startedAt;
        toolInput += part.delta;
        break;
      case 'finish':
        once.settle({
          ending: 'finished',
          // Counting is only for what the provider did not report: tokenizing costs CPU.
          usage: reportsAllCounts(part.totalUsage)
            ? toUsage(part.totalUsage)
            : toUsage(part.totalUsage, counted()),
          usageSource: part.totalUsage.outputTokens === undefined ? 'counted' : 'provider',
          finishReason: part.finishReason,
          text,
          timeToFirstTokenMs,
        });
        break;
      case 'error':
        end('failed', part.error);
        break;
      case 'abort':
        end('aborted');
        break;
    }
  };

  const reader = source.getReader();
  const stream = new ReadableStream<TextStreamPart<ToolSet>>({
    async pull(controller) {
      let next: ReadableStreamReadResult<TextStreamPart<ToolSet>>;
      try {
        next = await reader.read();
      } catch (error) {
        // A connection cut mid-answer surfaces as a throw, not as an error part; it becomes one
        // here so every reply format can end the stream with an explicit error.
        end(signal?.aborted ? 'aborted' : 'failed', error);
        // A provider's refusal keeps its meaning; anything else is a connection cut short.
        const known = toGatewayError(error);
        const cut =
          known.code === 'internal_error'
            ? new GatewayError('upstream_error', "The provider's stream ended early.", {
                cause: error,
              })
            : known;
        controller.enqueue({ type: 'error', error: cut });
        controller.close();
        return;
      }
      if (next.done) {
        end('failed', new Error('The stream ended without a finish event.'));
        controller.close();
        return;
      }
      observe(next.value);
      controller.enqueue(next.value);
    },
    cancel(reason) {
      end('aborted', reason);
      return reader.cancel(reason);
    },
  });
  return { stream, outcome: once.outcome, timeToFirstTokenMs: () => timeToFirstTokenMs };
}

const reportsAllCounts = (usage: LanguageModelUsage) =>
  usage.inputTokens !== undefined && usage.outputTokens !== undefined;
