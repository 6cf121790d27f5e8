import { Tiktoken } from 'js-tiktoken/lite';
import cl100kBase from 'js-tiktoken/ranks/cl100k_base';

// cl100k rather than o200k: half the bundle (0.5 MB gzipped) for an edge function, and the input
// estimate only has to be close; providers report the real counts.
let tokenizer: Tiktoken | undefined;

export function getTokenizer(): Tiktoken {
  tokenizer ??= new Tiktoken(cl100kBase);
  return tokenizer;
}

export function countTokens(text: string): number {
  return text ? getTokenizer().encode(text).length : 0;
}

// OpenAI's chat format costs about 3 tokens of framing per message and 3 to prime the reply.
const tokensPerMessage = 3;
const tokensPerReply = 3;
// Images and files are priced by the provider in ways text cannot predict; this is a floor.
const tokensPerFile = 85;

/** A message as both the AI SDK (`ModelMessage`) and its providers (`LanguageModelV4Prompt`) shape it. */
export interface PromptMessage {
  content: string | ReadonlyArray<PromptPart>;
}
type PromptPart = {
  type: string;
  text?: unknown;
  input?: unknown;
  output?: unknown;
  /** A file's data: a URL (string or URL) or bytes. */
  data?: unknown;
  image?: unknown;
};

// An inline file's bytes also count, so a request of many large data: URLs reserves more; a KiB
// of base64 per token keeps a 1 MiB body (the default limit) near a thousand tokens.
const dataUrlBytesPerToken = 1024;

function inlineDataTokens(data: unknown): number {
  const text = typeof data === 'string' ? data : data instanceof URL ? data.href : undefined;
  if (text === undefined)
    return data instanceof Uint8Array
      ? Math.ceil((data.byteLength * 4) / 3 / dataUrlBytesPerToken)
      : 0;
  return text.startsWith('data:') ? Math.ceil(text.length / dataUrlBytesPerToken) : 0;
}

/** Estimates the input tokens of a prompt, the way budgets reserve them before a call. */
export function estimatePromptTokens(
  messages: ReadonlyArray<PromptMessage>,
  instructions = '',
): number {
  let total = tokensPerReply + (instructions ? tokensPerMessage + countTokens(instructions) : 0);
  for (const message of messages) {
    total += tokensPerMessage;
    if (typeof message.content === 'string') {
      total += countTokens(message.content);
      continue;
    }
    for (const part of message.content) total += estimatePartTokens(part);
  }
  return total;
}

function estimatePartTokens(part: PromptPart): number {
  if (typeof part.text === 'string') return countTokens(part.text);
  if (part.type === 'tool-call') return countTokens(JSON.stringify(part.input ?? null));
  if (part.type === 'tool-result') return countTokens(JSON.stringify(part.output ?? null));
  return tokensPerFile + inlineDataTokens(part.data ?? part.image);
}

/**
 * Splits text into pieces of whole tokens, each a valid string: a multi-byte character that spans
 * two tokens stays in one piece. Returns the pieces and the number of tokens they hold.
 */
export function splitIntoTokenPieces(text: string): { pieces: string[]; tokenCount: number } {
  const encoder = getTokenizer();
  const tokens = encoder.encode(text);
  const pieces: string[] = [];
  let pending: number[] = [];
  for (const token of tokens) {
    pending.push(token);
    const piece = encoder.decode(pending);
    if (!piece.includes('\uFFFD')) {
      pieces.push(piece);
      pending = [];
    }
  }
  if (pending.length > 0) pieces.push(encoder.decode(pending));
  return { pieces, tokenCount: tokens.length };
}
