import { emptySummary, isObject, isSet, type Json, openAIUsage, parse, streamError } from './json';
import type { AnswerSummary, RelayProtocol, SseTap } from './protocol';

/** The Responses `usage` object as ours. */
const toUsage = (usage: unknown) =>
  openAIUsage(usage, {
    input: 'input_tokens',
    output: 'output_tokens',
    details: 'input_tokens_details',
  });

/** Events whose `delta` is a piece of the answer. */
const deltaEvents = new Set([
  'response.output_text.delta',
  'response.refusal.delta',
  'response.function_call_arguments.delta',
  'response.custom_tool_call_input.delta',
  'response.reasoning_summary_text.delta',
  'response.reasoning_text.delta',
]);

/** What a failure event says went wrong: its response's error, else the event itself. */
const failureOf = (event: Json) => (isObject(event.response) ? event.response.error : event);

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
  const summary = emptySummary();
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
        summary.error = streamError(failureOf(parse(data) ?? {}));
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
