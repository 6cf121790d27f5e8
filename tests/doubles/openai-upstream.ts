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
import { answerResponses } from './openai-responses';

export type { RecordedRequest, ToolCallBehavior, UpstreamBehavior } from './http-double';
export { closedPortUrl, contentChunk, contentText } from './http-double';

export interface OpenAIBehavior extends UpstreamBehavior {
  /** Ids listed by `GET /v1/models`. Default `['gpt-test', 'gpt-test-mini']`. */
  models: string[];
}

/** An OpenAI Chat Completions and Responses server; `baseURL` is `http://127.0.0.1:PORT/v1`. */
export type OpenAIUpstream = HttpDouble<OpenAIBehavior>;

export function startOpenAIUpstream(
  options: Partial<OpenAIBehavior> = {},
): Promise<OpenAIUpstream> {
  return startHttpDouble<OpenAIBehavior>({
    basePath: '/v1',
    behavior: { ...defaultUpstreamBehavior, models: ['gpt-test', 'gpt-test-mini'], ...options },
    routes: {
      'POST /chat/completions': answerChatCompletion,
      'POST /responses': answerResponses,
      'GET /models': listModels,
    },
    notFoundBody: (path) =>
      openAIError(`Unknown request URL: ${path}.`, 'invalid_request_error', 'unknown_url'),
  });
}

function listModels(exchange: Exchange<OpenAIBehavior>): void {
  sendJson(exchange, 200, {
    object: 'list',
    data: exchange.behavior.models.map((id) => ({
      id,
      object: 'model',
      created: 1_700_000_000,
      owned_by: 'tollgate-double',
    })),
  });
}

/** `POST …/chat/completions`, for any upstream that speaks the protocol (the AI Gateway does). */
export async function answerChatCompletion(exchange: Exchange<UpstreamBehavior>): Promise<void> {
  const { body, index } = exchange.record;
  if (!isRecord(body) || typeof body.model !== 'string' || !Array.isArray(body.messages)) {
    sendJson(
      exchange,
      400,
      openAIError('Request needs `model` and `messages`.', 'invalid_request_error', null),
    );
    return;
  }
  if (!(await beginAnswer(exchange, defaultOpenAIErrorBody))) return;

  const lastMessage: unknown = body.messages.at(-1);
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  const { answer, usage } = planAnswer(exchange.behavior, {
    index,
    maxOutputTokens: typeof maxTokens === 'number' ? maxTokens : undefined,
    lastRole:
      isRecord(lastMessage) && typeof lastMessage.role === 'string' ? lastMessage.role : undefined,
    offeredTools: Array.isArray(body.tools)
      ? body.tools.flatMap((entry) =>
          isRecord(entry) && isRecord(entry.function) && typeof entry.function.name === 'string'
            ? [entry.function.name]
            : [],
        )
      : [],
  });
  const meta = {
    id: `chatcmpl-double-${index}`,
    created: Math.floor(Date.now() / 1000),
    model: body.model,
    system_fingerprint: 'fp_double',
  };

  if (body.stream !== true) {
    await sendCompletion(exchange, completionBody(meta, answer, usage), chunkCountOf(answer));
    return;
  }
  const includeUsage = isRecord(body.stream_options) && body.stream_options.include_usage === true;
  // OpenAI sends `usage: null` on every chunk but the last when usage was asked for.
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      ...meta,
      object: 'chat.completion.chunk',
      choices,
      ...(includeUsage ? { usage: null } : {}),
      ...extra,
    });
  const choice = (delta: Record<string, unknown>, finishReason: string | null = null) => ({
    index: 0,
    delta,
    logprobs: null,
    finish_reason: finishReason,
  });

  const chunks =
    answer.kind === 'text'
      ? answer.chunks.map((content) => chunk([choice({ content })]))
      : answer.inputChunks.map((piece, position) =>
          chunk([
            choice({
              tool_calls: [
                position === 0
                  ? {
                      index: 0,
                      id: answer.id,
                      type: 'function',
                      function: { name: answer.name, arguments: piece },
                    }
                  : { index: 0, function: { arguments: piece } },
              ],
            }),
          ]),
        );
  const lead =
    answer.kind === 'text'
      ? [chunk([choice({ role: 'assistant', content: '', refusal: null })])]
      : [chunk([choice({ role: 'assistant', content: null })])];
  const tail = [chunk([choice({}, finishReasonOf(answer))])];
  if (includeUsage) tail.push(chunk([], { usage: usageBody(usage) }));
  tail.push('[DONE]');
  await streamSse(exchange, { lead, chunks, tail });
}

function completionBody(
  meta: { id: string; created: number; model: string; system_fingerprint: string },
  answer: PlannedAnswer,
  usage: PlannedUsage,
): unknown {
  const message =
    answer.kind === 'text'
      ? { role: 'assistant', content: answer.chunks.join(''), refusal: null }
      : {
          role: 'assistant',
          content: null,
          refusal: null,
          tool_calls: [
            {
              id: answer.id,
              type: 'function',
              function: { name: answer.name, arguments: answer.input },
            },
          ],
        };
  return {
    ...meta,
    object: 'chat.completion',
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReasonOf(answer) }],
    usage: usageBody(usage),
  };
}

function usageBody(usage: PlannedUsage) {
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.promptTokens + usage.completionTokens,
    prompt_tokens_details: { cached_tokens: usage.cachedTokens, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
  };
}

function finishReasonOf(answer: PlannedAnswer): string {
  if (answer.kind === 'tool-call') return 'tool_calls';
  return answer.truncated ? 'length' : 'stop';
}

function chunkCountOf(answer: PlannedAnswer): number {
  return answer.kind === 'text' ? answer.chunks.length : answer.inputChunks.length;
}

function openAIError(message: string, type: string, code: string | null) {
  return { error: { message, type, param: null, code } };
}

function defaultOpenAIErrorBody(status: number): unknown {
  switch (status) {
    case 400:
      return openAIError('Invalid request (test double).', 'invalid_request_error', null);
    case 401:
      return openAIError(
        'Incorrect API key provided (test double).',
        'invalid_request_error',
        'invalid_api_key',
      );
    case 403:
      return openAIError('Forbidden (test double).', 'invalid_request_error', 'forbidden');
    case 404:
      return openAIError(
        'The model does not exist (test double).',
        'invalid_request_error',
        'model_not_found',
      );
    case 429:
      return openAIError('Rate limit reached (test double).', 'requests', 'rate_limit_exceeded');
    case 503:
      return openAIError('The engine is currently overloaded (test double).', 'server_error', null);
    default:
      return openAIError(
        `Upstream answered ${status} (test double).`,
        status >= 500 ? 'server_error' : 'invalid_request_error',
        null,
      );
  }
}
