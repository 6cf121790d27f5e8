import type { TextStreamPart, ToolSet } from 'ai';
import type { ChatRun } from '@/lib/chat/pipeline';
import { drainRun, eventStreamReply, servedByHeaders } from '@/lib/chat/replies';
import type { Usage } from '@/lib/chat/types';
import { toGatewayError } from '@/lib/errors';

type Part = TextStreamPart<ToolSet>;
type Item = Record<string, unknown> & { id: string; type: string };
type Emit = (type: string, data: Record<string, unknown>) => void;

export interface ResponseOptions {
  /** The request's custom tools: their calls go back as `custom_tool_call` items. */
  customTools: Set<string>;
  instructions: string | null;
}

function toResponsesUsage(usage: Usage) {
  return {
    input_tokens: usage.inputTokens,
    input_tokens_details: { cached_tokens: usage.cacheReadTokens },
    output_tokens: usage.outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: usage.totalTokens,
  };
}

const shortId = () => crypto.randomUUID().replaceAll('-', '');

/**
 * Turns the stream's parts into Responses output items, emitting the typed events of each
 * (`output_item.added`, the deltas, `output_item.done`) as it goes; the non-streaming reply
 * uses the same assembly and ignores the events.
 */
function createAssembler(run: ChatRun, options: ResponseOptions, emit: Emit) {
  const responseId = `resp_${run.id.replace(/^chat-/, '').replaceAll('-', '')}`;
  const createdAt = Math.floor(Date.now() / 1000);
  const output: Item[] = [];
  let text: { item: Item; index: number; text: string } | undefined;
  const calls = new Map<string, { item: Item; index: number; arguments: string }>();

  const snapshot = (status: string, extra: Record<string, unknown> = {}) => ({
    id: responseId,
    object: 'response',
    created_at: createdAt,
    status,
    model: run.model,
    output,
    error: null,
    incomplete_details: null,
    instructions: options.instructions,
    metadata: {},
    parallel_tool_calls: true,
    tool_choice: 'auto',
    tools: [],
    store: false,
    usage: null,
    ...extra,
  });
  const addItem = (item: Item) => {
    const index = output.length;
    output.push(item);
    emit('response.output_item.added', { output_index: index, item: { ...item } });
    return index;
  };
  const finishItem = (index: number, item: Item) => {
    output[index] = item;
    emit('response.output_item.done', { output_index: index, item });
  };
  const closeText = () => {
    if (!text) return;
    const { item, index } = text;
    const part = { type: 'output_text', text: text.text, annotations: [], logprobs: [] };
    const position = { item_id: item.id, output_index: index, content_index: 0 };
    emit('response.output_text.done', { ...position, text: text.text, logprobs: [] });
    emit('response.content_part.done', { ...position, part });
    finishItem(index, { ...item, status: 'completed', content: [part] });
    text = undefined;
  };
  const finishCall = (callId: string, name: string, input: unknown) => {
    closeText();
    const custom = options.customTools.has(name);
    let call = calls.get(callId);
    if (!call) {
      const item: Item = custom
        ? {
            id: `ctc_${shortId()}`,
            type: 'custom_tool_call',
            status: 'in_progress',
            call_id: callId,
            name,
            input: '',
          }
        : {
            id: `fc_${shortId()}`,
            type: 'function_call',
            status: 'in_progress',
            call_id: callId,
            name,
            arguments: '',
          };
      call = { item, index: addItem(item), arguments: '' };
    }
    const position = { item_id: call.item.id, output_index: call.index };
    if (custom) {
      const value = (input as { input?: unknown } | undefined)?.input;
      const raw = typeof value === 'string' ? value : '';
      emit('response.custom_tool_call_input.delta', { ...position, delta: raw });
      emit('response.custom_tool_call_input.done', { ...position, input: raw });
      finishItem(call.index, { ...call.item, status: 'completed', input: raw });
    } else {
      const raw = call.arguments || JSON.stringify(input ?? {});
      emit('response.function_call_arguments.done', { ...position, name, arguments: raw });
      finishItem(call.index, { ...call.item, status: 'completed', arguments: raw });
    }
    calls.delete(callId);
  };

  const fail = (cause: unknown) => {
    const error = toGatewayError(cause);
    emit('response.failed', {
      response: snapshot('failed', { error: { code: error.code, message: error.message } }),
    });
  };

  return {
    snapshot,
    fail,
    start() {
      emit('response.created', { response: snapshot('in_progress') });
      emit('response.in_progress', { response: snapshot('in_progress') });
    },
    async observe(part: Part): Promise<'done' | 'failed' | undefined> {
      switch (part.type) {
        case 'text-delta': {
          if (!part.text) return undefined;
          if (!text) {
            const item: Item = {
              id: `msg_${shortId()}`,
              type: 'message',
              status: 'in_progress',
              role: 'assistant',
              content: [],
            };
            text = { item, index: addItem(item), text: '' };
            emit('response.content_part.added', {
              item_id: item.id,
              output_index: text.index,
              content_index: 0,
              part: { type: 'output_text', text: '', annotations: [], logprobs: [] },
            });
          }
          text.text += part.text;
          emit('response.output_text.delta', {
            item_id: text.item.id,
            output_index: text.index,
            content_index: 0,
            delta: part.text,
            logprobs: [],
          });
          return undefined;
        }
        case 'tool-input-start': {
          // A custom tool's input is a JSON wrapper here; it is sent whole once complete.
          if (options.customTools.has(part.toolName)) return undefined;
          closeText();
          const item: Item = {
            id: `fc_${shortId()}`,
            type: 'function_call',
            status: 'in_progress',
            call_id: part.id,
            name: part.toolName,
            arguments: '',
          };
          calls.set(part.id, { item, index: addItem(item), arguments: '' });
          return undefined;
        }
        case 'tool-input-delta': {
          const call = calls.get(part.id);
          if (!call || !part.delta) return undefined;
          call.arguments += part.delta;
          emit('response.function_call_arguments.delta', {
            item_id: call.item.id,
            output_index: call.index,
            delta: part.delta,
          });
          return undefined;
        }
        case 'tool-call':
          finishCall(part.toolCallId, part.toolName, part.input);
          return undefined;
        case 'finish': {
          closeText();
          // The meter saw this part first, so the outcome (what is billed) is already known.
          const usage = toResponsesUsage((await run.outcome).usage);
          if (part.finishReason === 'length') {
            emit('response.incomplete', {
              response: snapshot('incomplete', {
                usage,
                incomplete_details: { reason: 'max_output_tokens' },
              }),
            });
          } else emit('response.completed', { response: snapshot('completed', { usage }) });
          return 'done';
        }
        case 'error':
          fail(part.error);
          return 'failed';
        default:
          return undefined;
      }
    },
  };
}

/** `stream: false` (or absent): one `response` object. */
export async function toResponseObject(run: ChatRun, options: ResponseOptions): Promise<Response> {
  const assembler = createAssembler(run, options, () => {});
  let usage: ReturnType<typeof toResponsesUsage> | undefined;
  let status = 'completed';
  await drainRun(run, async (value) => {
    if ((await assembler.observe(value)) === 'done') {
      usage = toResponsesUsage((await run.outcome).usage);
      if (value.type === 'finish' && value.finishReason === 'length') status = 'incomplete';
    }
  });
  return Response.json(
    assembler.snapshot(status, {
      usage,
      ...(status === 'incomplete' ? { incomplete_details: { reason: 'max_output_tokens' } } : {}),
    }),
    { headers: servedByHeaders(run) },
  );
}

/**
 * `stream: true`: typed events, each with its `sequence_number`, ending with
 * `response.completed` (usage last) or, after a failure past the first byte, `response.failed`.
 */
export function toResponseStream(run: ChatRun, options: ResponseOptions): Response {
  const encoder = new TextEncoder();
  let sequence = 0;
  let controller: TransformStreamDefaultController<Uint8Array> | undefined;
  let ended = false;
  const emit: Emit = (type, data) =>
    controller?.enqueue(
      encoder.encode(
        `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`,
      ),
    );
  const assembler = createAssembler(run, options, emit);
  const body = run.stream.pipeThrough(
    new TransformStream<Part, Uint8Array>({
      start(streamController) {
        controller = streamController;
        assembler.start();
      },
      async transform(part, streamController) {
        const ending = await assembler.observe(part);
        if (ending) ended = true;
        if (ending === 'failed') streamController.terminate();
      },
      flush() {
        // A stream that stops without a finish is a failure, never a clean end.
        if (!ended) assembler.fail(new Error('The stream ended without a finish event.'));
      },
    }),
  );
  return eventStreamReply(run, body);
}
