import type { Usage } from '@/lib/chat/types';
import { GatewayError } from '@/lib/errors';
import type { AnswerSummary, RelayProtocol, SseTap, TapSummary } from './protocol';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const count = (value: unknown): number =>
  typeof value === 'number' && Number.isFinite(value) ? value : 0;

function parse(data: string): Json | undefined {
  try {
    const value: unknown = JSON.parse(data);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The Responses `usage` object as ours (its input count includes cached tokens). */
function toUsage(usage: unknown): Usage | undefined {
  if (!isObject(usage)) return undefined;
  const inputTokens = count(usage.input_tokens);
  const outputTokens = count(usage.output_tokens);
  const details = isObject(usage.input_tokens_details) ? usage.input_tokens_details : {};
  return {
    inputTokens,
    outputTokens,
    cacheReadTokens: count(details.cached_tokens),
    cacheWriteTokens: 0,
    totalTokens: inputTokens + outputTokens,
  };
}

/** Events whose `delta` is a piece of the answer. */
const deltaEvents = new Set([
  'response.output_text.delta',
  'response.refusal.delta',
  'response.function_call_arguments.delta',
  'response.custom_tool_call_input.delta',
  'response.reasoning_summary_text.delta',
  'response.reasoning_text.delta',
]);

// The provider's own failure event reaches the client as it was sent; this is for the record.
const streamError = (event: Json) =>
  new GatewayError('upstream_error', 'The provider sent an error in the stream.', {
    cause: isObject(event.response) ? event.response.error : event,
  });

/** The type of an event: its `event:` name, else the `type` inside its data. */
function typeOf(data: string, name: string | undefined): string | undefined {
  if (name) return name;
  const leading = /^\{"type":"([\w.]+)"/.exec(data)?.[1];
  if (leading) return leading;
  const type = parse(data)?.type;
  return typeof type === 'string' ? type : undefined;
}

function createTap(): SseTap {
  const deltas: string[] = [];
  const summary: TapSummary = {
    complete: false,
    usage: undefined,
    finishReason: undefined,
    error: undefined,
  };
  let began = false;
  return {
    get began() {
      return began;
    },
    event(data, name) {
      const type = typeOf(data, name);
      if (type && deltaEvents.has(type)) {
        began = true;
        deltas.push(data);
        return true;
      }
      if (type === 'response.output_item.done') began = true;
      if (type === 'response.completed' || type === 'response.incomplete') {
        const response = parse(data)?.response;
        summary.complete = true;
        summary.usage = isObject(response) ? toUsage(response.usage) : undefined;
        summary.finishReason = type === 'response.completed' ? 'stop' : 'length';
      } else if (type === 'response.failed' || type === 'error') {
        summary.error = streamError(parse(data) ?? {});
        began = true;
      }
      return true;
    },
    summary: () => summary,
    streamedOutput() {
      let text = '';
      for (const data of deltas) {
        const delta = parse(data)?.delta;
        if (typeof delta === 'string') text += delta;
      }
      return text;
    },
  };
}

/** The text and call arguments of a response's output items. */
function outputOf(items: unknown): string {
  if (!Array.isArray(items)) return '';
  let text = '';
  for (const item of items) {
    if (!isObject(item)) continue;
    for (const field of ['arguments', 'input']) {
      if (typeof item[field] === 'string') text += item[field];
    }
    if (Array.isArray(item.content)) {
      for (const part of item.content) {
        if (isObject(part) && typeof part.text === 'string') text += part.text;
      }
    }
  }
  return text;
}

function readAnswer(json: unknown): AnswerSummary {
  const body = isObject(json) ? json : {};
  return {
    usage: toUsage(body.usage),
    text: outputOf(body.output),
    finishReason: body.status === 'incomplete' ? 'length' : 'stop',
  };
}

const isSet = (value: unknown) => value !== undefined && value !== null;

/** OpenAI Responses, `POST {base}/responses` (OpenAI, and the AI Gateway's `/v1`). */
export const openAIResponsesProtocol: RelayProtocol = {
  id: 'openai-responses',
  path: '/responses',
  isStreaming: (body) => body.stream === true,
  requestedOutputTokens: (body) =>
    typeof body.max_output_tokens === 'number' ? body.max_output_tokens : undefined,
  rewrite(body, owned, endpoint) {
    const sent: Json = {
      ...body,
      ...endpoint.bodyOptions,
      model: owned.upstreamModel,
      max_output_tokens: owned.maxOutputTokens,
    };
    if (!isSet(body.user) && !isSet(body.safety_identifier) && owned.user) {
      sent.safety_identifier = owned.user;
    }
    // Usage travels inside response.completed, never in an event of its own.
    return { body: sent, forwardUsage: true };
  },
  createTap,
  readAnswer,
  errorEvent: (error) =>
    `event: response.failed\ndata: ${JSON.stringify({
      type: 'response.failed',
      response: {
        object: 'response',
        status: 'failed',
        output: [],
        usage: null,
        error: { code: error.code, message: error.message },
      },
    })}\n\n`,
};
