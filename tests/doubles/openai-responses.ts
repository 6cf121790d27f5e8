import {
  beginAnswer,
  type Exchange,
  isRecord,
  type PlannedAnswer,
  type PlannedUsage,
  planAnswer,
  sendCompletion,
  sendJson,
  streamSse,
  type UpstreamBehavior,
} from './http-double';

/** A tool output as the last input item is, for the script, a tool message. */
function lastRoleOf(input: unknown): string | undefined {
  if (!Array.isArray(input)) return 'user';
  const last: unknown = input.at(-1);
  if (!isRecord(last)) return undefined;
  if (typeof last.type === 'string' && last.type.endsWith('_output')) return 'tool';
  return typeof last.role === 'string' ? last.role : undefined;
}

function usageBody(usage: PlannedUsage) {
  return {
    input_tokens: usage.promptTokens,
    input_tokens_details: { cached_tokens: usage.cachedTokens },
    output_tokens: usage.completionTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: usage.promptTokens + usage.completionTokens,
  };
}

function outputItem(answer: PlannedAnswer, index: number) {
  return answer.kind === 'text'
    ? {
        id: `msg_double_${index}`,
        type: 'message',
        status: 'completed',
        role: 'assistant',
        content: [{ type: 'output_text', text: answer.chunks.join(''), annotations: [] }],
      }
    : {
        id: `fc_double_${index}`,
        type: 'function_call',
        status: 'completed',
        call_id: answer.id,
        name: answer.name,
        arguments: answer.input,
      };
}

/** OpenAI Responses, `POST /v1/responses`: the typed events Codex and the SDKs read. */
export async function answerResponses<B extends UpstreamBehavior>(
  exchange: Exchange<B>,
): Promise<void> {
  const { body, index } = exchange.record;
  if (!isRecord(body) || typeof body.model !== 'string' || body.input === undefined) {
    sendJson(exchange, 400, {
      error: { message: 'Request needs `model` and `input`.', type: 'invalid_request_error' },
    });
    return;
  }
  if (!(await beginAnswer(exchange, (status) => ({ error: { message: `HTTP ${status}` } }))))
    return;
  const { answer, usage } = planAnswer(exchange.behavior, {
    index,
    maxOutputTokens:
      typeof body.max_output_tokens === 'number' ? body.max_output_tokens : undefined,
    lastRole: lastRoleOf(body.input),
    offeredTools: Array.isArray(body.tools)
      ? body.tools.flatMap((entry) =>
          isRecord(entry) && typeof entry.name === 'string' ? [entry.name] : [],
        )
      : [],
  });
  const item = outputItem(answer, index);
  const response = (status: string, extra: Record<string, unknown> = {}) => ({
    id: `resp_double_${index}`,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status,
    model: body.model,
    output: [],
    usage: null,
    ...extra,
  });
  const finished = answer.kind === 'text' && answer.truncated ? 'incomplete' : 'completed';

  if (body.stream !== true) {
    await sendCompletion(
      exchange,
      response(finished, { output: [item], usage: usageBody(usage) }),
      answer.kind === 'text' ? answer.chunks.length : answer.inputChunks.length,
    );
    return;
  }
  let sequence = 0;
  const event = (type: string, data: Record<string, unknown>) =>
    `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}`;
  const position = { item_id: item.id, output_index: 0 };
  const lead = [
    event('response.created', { response: response('in_progress') }),
    event('response.output_item.added', {
      output_index: 0,
      item:
        answer.kind === 'text'
          ? { ...item, status: 'in_progress', content: [] }
          : { ...item, status: 'in_progress', arguments: '' },
    }),
  ];
  const chunks =
    answer.kind === 'text'
      ? answer.chunks.map((delta) =>
          event('response.output_text.delta', { ...position, content_index: 0, delta }),
        )
      : answer.inputChunks.map((delta) =>
          event('response.function_call_arguments.delta', { ...position, delta }),
        );
  const tail = [
    answer.kind === 'text'
      ? event('response.output_text.done', {
          ...position,
          content_index: 0,
          text: answer.chunks.join(''),
        })
      : event('response.function_call_arguments.done', { ...position, arguments: answer.input }),
    event('response.output_item.done', { output_index: 0, item }),
    event(`response.${finished}`, {
      response: response(finished, { output: [item], usage: usageBody(usage) }),
    }),
  ];
  await streamSse(exchange, { lead, chunks, tail });
}
