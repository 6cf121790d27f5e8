import { anthropicErrorBody } from '@/lib/anthropic/errors';
import type { Usage } from '@/lib/chat/types';
import { emptySummary, finiteCount, isObject, isSet, type Json, parse, streamError } from './json';
import type { AnswerSummary, RelayProtocol, SseTap } from './protocol';

/** Anthropic's input counts, which leave out cache reads and writes; ours include them. */
interface InputCounts {
  input: number;
  cacheRead: number;
  cacheWrite: number;
}

/** The input counts a usage object reports; all zero (the AI Gateway's bug) is none. */
function inputCountsOf(usage: Json, previous: InputCounts | undefined): InputCounts | undefined {
  const counts = {
    input: finiteCount(usage.input_tokens) ?? previous?.input ?? 0,
    cacheRead: finiteCount(usage.cache_read_input_tokens) ?? previous?.cacheRead ?? 0,
    cacheWrite: finiteCount(usage.cache_creation_input_tokens) ?? previous?.cacheWrite ?? 0,
  };
  return counts.input + counts.cacheRead + counts.cacheWrite > 0 ? counts : previous;
}

function toUsage(
  input: InputCounts | undefined,
  outputTokens: number | undefined,
  inputTokenEstimate: number,
): Usage | undefined {
  if (outputTokens === undefined) return undefined;
  // An upstream that never reported its input is billed the gateway's estimate of it.
  const counts = input ?? { input: inputTokenEstimate, cacheRead: 0, cacheWrite: 0 };
  const inputTokens = counts.input + counts.cacheRead + counts.cacheWrite;
  return {
    inputTokens,
    outputTokens,
    cacheReadTokens: counts.cacheRead,
    cacheWriteTokens: counts.cacheWrite,
    totalTokens: inputTokens + outputTokens,
  };
}

/** The text and tool input a content block or delta carries. */
function outputOf(block: unknown): string {
  if (!isObject(block)) return '';
  for (const field of ['text', 'partial_json', 'thinking']) {
    if (typeof block[field] === 'string') return block[field];
  }
  return '';
}

function createTap({ inputTokenEstimate }: { inputTokenEstimate: number }): SseTap {
  const output: string[] = [];
  const summary = emptySummary();
  let input: InputCounts | undefined;
  let began = false;
  return {
    get began() {
      return began;
    },
    event(data, name) {
      // Deltas are most of the stream: only their output is kept, without parsing the rest.
      if (name === 'content_block_delta' || name === 'ping') {
        if (name === 'content_block_delta') {
          began = true;
          output.push(data);
        }
        return true;
      }
      const event = parse(data);
      if (!event) return true;
      switch (event.type) {
        case 'message_start': {
          const message = isObject(event.message) ? event.message : {};
          const usage = isObject(message.usage) ? message.usage : {};
          input = inputCountsOf(usage, undefined);
          // Claude Code reads the input count here; an upstream that says 0 (the AI Gateway
          // did) gets the gateway's estimate instead, as the translated path sends.
          if (!input) {
            return JSON.stringify({
              ...event,
              message: { ...message, usage: { ...usage, input_tokens: inputTokenEstimate } },
            });
          }
          return true;
        }
        case 'content_block_start':
          began = true;
          return true;
        case 'content_block_delta':
          // An upstream that names no events gets here.
          began = true;
          output.push(data);
          return true;
        case 'message_delta': {
          const usage = isObject(event.usage) ? event.usage : {};
          input = inputCountsOf(usage, input);
          summary.usage = toUsage(input, finiteCount(usage.output_tokens), inputTokenEstimate);
          const delta = isObject(event.delta) ? event.delta : {};
          if (typeof delta.stop_reason === 'string') summary.finishReason = delta.stop_reason;
          return true;
        }
        case 'message_stop':
          summary.complete = true;
          return true;
        case 'error':
          summary.error = streamError(event.error);
          began = true;
          return true;
        default:
          return true;
      }
    },
    summary: () => summary,
    streamedOutput() {
      let text = '';
      for (const data of output) text += outputOf(parse(data)?.delta);
      return text;
    },
  };
}

function readAnswer(json: unknown): AnswerSummary {
  const body = isObject(json) ? json : {};
  const usage = isObject(body.usage) ? body.usage : {};
  const content = Array.isArray(body.content) ? body.content : [];
  return {
    usage: toUsage(inputCountsOf(usage, undefined), finiteCount(usage.output_tokens), 0),
    text: content
      .map((block) =>
        isObject(block) && block.type === 'tool_use'
          ? JSON.stringify(block.input ?? {})
          : outputOf(block),
      )
      .join(''),
    finishReason: typeof body.stop_reason === 'string' ? body.stop_reason : undefined,
  };
}

/** Anthropic's smallest `thinking.budget_tokens`. */
const minThinkingBudget = 1024;

/** Anthropic Messages, `POST {base}/messages` (Anthropic, and the AI Gateway's `/v1`). */
export const anthropicMessagesProtocol: RelayProtocol = {
  id: 'anthropic-messages',
  path: '/messages',
  isStreaming: (body) => body.stream === true,
  requestedOutputTokens: (body) =>
    typeof body.max_tokens === 'number' ? body.max_tokens : undefined,
  rewrite(body, owned, endpoint) {
    const sent: Json = {
      ...body,
      ...endpoint.bodyOptions,
      model: owned.upstreamModel,
      max_tokens: owned.maxOutputTokens,
    };
    // A thinking budget must stay below the (possibly clamped) output cap, and at least 1,024.
    const thinking = isObject(body.thinking) ? body.thinking : undefined;
    if (thinking?.type === 'enabled' && finiteCount(thinking.budget_tokens) !== undefined) {
      const budget = finiteCount(thinking.budget_tokens) ?? 0;
      if (budget >= owned.maxOutputTokens) {
        if (owned.maxOutputTokens > minThinkingBudget) {
          sent.thinking = { ...thinking, budget_tokens: owned.maxOutputTokens - 1 };
        } else delete sent.thinking;
      }
    }
    // Anthropic has no end-user field but `metadata.user_id`; the client's own stays.
    const metadata = isObject(body.metadata) ? body.metadata : {};
    if (!isSet(metadata.user_id) && owned.user)
      sent.metadata = { ...metadata, user_id: owned.user };
    // Usage travels inside message_start and message_delta, never in an event of its own; not
    // forwarding "all" lets the tap rewrite a message_start that reports no input.
    return { body: sent, forwardUsage: false };
  },
  createTap,
  readAnswer,
  forwardedHeaders: ['anthropic-version', 'anthropic-beta'],
  errorEvent: (error) => `event: error\ndata: ${JSON.stringify(anthropicErrorBody(error))}\n\n`,
};
