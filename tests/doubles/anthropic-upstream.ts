import {
  beginAnswer,
  defaultUpstreamBehavior,
  type Exchange,
  type HttpDouble,
  isRecord,
  type PlannedAnswer,
  type PlannedUsage,
  planAnswer,
  sendCompletion,
  sendJson,
  startHttpDouble,
  streamSse,
  type UpstreamBehavior,
} from './http-double';

export type { RecordedRequest, ToolCallBehavior } from './http-double';
export { closedPortUrl, contentChunk, contentText } from './http-double';

/** The Anthropic knobs, optional so another double (the AI Gateway's) can serve Messages too. */
export interface AnthropicKnobs {
  /** Reported cache-write input tokens, part of `promptTokens`. Default 0. */
  cacheWriteTokens?: number;
  /** `message_start` reports 0 input tokens, as the AI Gateway's did. Default false. */
  zeroStartUsage?: boolean;
}

export interface AnthropicBehavior extends UpstreamBehavior, AnthropicKnobs {}

/**
 * An Anthropic Messages server; `baseURL` is `http://127.0.0.1:PORT/v1`. `promptTokens` is the
 * whole input, as elsewhere: it is reported split into `input_tokens` and the cache counts.
 */
export type AnthropicUpstream = HttpDouble<AnthropicBehavior>;

export function startAnthropicUpstream(
  options: Partial<AnthropicBehavior> = {},
): Promise<AnthropicUpstream> {
  return startHttpDouble<AnthropicBehavior>({
    basePath: '/v1',
    behavior: {
      ...defaultUpstreamBehavior,
      cacheWriteTokens: 0,
      zeroStartUsage: false,
      ...options,
    },
    routes: {
      'POST /messages': answerMessages,
      'POST /messages/count_tokens': (exchange) =>
        sendJson(exchange, 200, { input_tokens: exchange.behavior.promptTokens }),
    },
    notFoundBody: (path) => anthropicError('not_found_error', `Not found: ${path}`),
  });
}

/** A user turn that carries tool results is, for the script, a tool message. */
function lastRoleOf(messages: unknown[]): string | undefined {
  const last = messages.at(-1);
  if (!isRecord(last) || typeof last.role !== 'string') return undefined;
  const hasToolResult =
    Array.isArray(last.content) &&
    last.content.some((block) => isRecord(block) && block.type === 'tool_result');
  return hasToolResult ? 'tool' : last.role;
}

/** `POST /v1/messages`: Anthropic's typed events (or one message), usage in both. */
export async function answerMessages<B extends UpstreamBehavior & AnthropicKnobs>(
  exchange: Exchange<B>,
): Promise<void> {
  const { body, index } = exchange.record;
  if (
    !isRecord(body) ||
    typeof body.model !== 'string' ||
    !Array.isArray(body.messages) ||
    typeof body.max_tokens !== 'number'
  ) {
    sendJson(
      exchange,
      400,
      anthropicError('invalid_request_error', 'model, messages and max_tokens are required'),
    );
    return;
  }
  if (!(await beginAnswer(exchange, defaultErrorBody))) return;
  const { answer, usage } = planAnswer(exchange.behavior, {
    index,
    maxOutputTokens: body.max_tokens,
    lastRole: lastRoleOf(body.messages),
    offeredTools: Array.isArray(body.tools)
      ? body.tools.flatMap((entry) =>
          isRecord(entry) && typeof entry.name === 'string' ? [entry.name] : [],
        )
      : [],
  });
  const message = {
    id: `msg_double_${index}`,
    type: 'message',
    role: 'assistant',
    model: body.model,
  };
  const reported = usageBody(usage, exchange.behavior.cacheWriteTokens ?? 0);

  if (body.stream !== true) {
    const content =
      answer.kind === 'text'
        ? [{ type: 'text', text: answer.chunks.join('') }]
        : [{ type: 'tool_use', id: answer.id, name: answer.name, input: JSON.parse(answer.input) }];
    await sendCompletion(
      exchange,
      {
        ...message,
        content,
        stop_reason: stopReasonOf(answer),
        stop_sequence: null,
        usage: reported,
      },
      answer.kind === 'text' ? answer.chunks.length : answer.inputChunks.length,
    );
    return;
  }

  const event = (type: string, data: Record<string, unknown>) =>
    `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}`;
  const block =
    answer.kind === 'text'
      ? { type: 'text', text: '' }
      : { type: 'tool_use', id: answer.id, name: answer.name, input: {} };
  const chunks =
    answer.kind === 'text'
      ? answer.chunks.map((text) =>
          event('content_block_delta', { index: 0, delta: { type: 'text_delta', text } }),
        )
      : answer.inputChunks.map((partial_json) =>
          event('content_block_delta', {
            index: 0,
            delta: { type: 'input_json_delta', partial_json },
          }),
        );
  await streamSse(exchange, {
    lead: [
      event('message_start', {
        message: {
          ...message,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: exchange.behavior.zeroStartUsage
            ? {
                input_tokens: 0,
                cache_read_input_tokens: 0,
                cache_creation_input_tokens: 0,
                output_tokens: 0,
              }
            : { ...reported, output_tokens: 1 },
        },
      }),
      event('content_block_start', { index: 0, content_block: block }),
      event('ping', {}),
    ],
    chunks,
    tail: [
      event('content_block_stop', { index: 0 }),
      event('message_delta', {
        delta: { stop_reason: stopReasonOf(answer), stop_sequence: null },
        usage: reported,
      }),
      event('message_stop', {}),
    ],
  });
}

function usageBody(usage: PlannedUsage, cacheWriteTokens: number) {
  return {
    input_tokens: Math.max(0, usage.promptTokens - usage.cachedTokens - cacheWriteTokens),
    cache_read_input_tokens: usage.cachedTokens,
    cache_creation_input_tokens: cacheWriteTokens,
    output_tokens: usage.completionTokens,
  };
}

function stopReasonOf(answer: PlannedAnswer): string {
  if (answer.kind === 'tool-call') return 'tool_use';
  return answer.truncated ? 'max_tokens' : 'end_turn';
}

function anthropicError(type: string, message: string) {
  return { type: 'error', error: { type, message } };
}

function defaultErrorBody(status: number): unknown {
  const types: Record<number, string> = {
    400: 'invalid_request_error',
    401: 'authentication_error',
    403: 'permission_error',
    404: 'not_found_error',
    429: 'rate_limit_error',
    529: 'overloaded_error',
  };
  return anthropicError(types[status] ?? 'api_error', `Upstream answered ${status} (test double).`);
}
