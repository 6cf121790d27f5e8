import type { FinishReason, TextStreamPart, ToolSet } from 'ai';
import type { ChatRun } from '@/lib/chat/pipeline';
import { drainRun, eventStreamReply, servedByHeaders } from '@/lib/chat/replies';
import type { Usage } from '@/lib/chat/types';
import { toGatewayError } from '@/lib/errors';
import { anthropicErrorBody } from './errors';

type Part = TextStreamPart<ToolSet>;

const stopReasons: Partial<Record<FinishReason, string>> = {
  stop: 'end_turn',
  length: 'max_tokens',
  'tool-calls': 'tool_use',
  'content-filter': 'refusal',
};

const toStopReason = (reason: FinishReason | undefined) =>
  stopReasons[reason as FinishReason] ?? 'end_turn';

/** Anthropic counts cache reads and writes apart from `input_tokens`; ours include them. */
export function toAnthropicUsage(usage: Usage) {
  return {
    input_tokens: Math.max(0, usage.inputTokens - usage.cacheReadTokens - usage.cacheWriteTokens),
    output_tokens: usage.outputTokens,
    cache_read_input_tokens: usage.cacheReadTokens,
    cache_creation_input_tokens: usage.cacheWriteTokens,
  };
}

const messageId = (run: ChatRun) => `msg_${run.id.replace(/^chat-/, '').replaceAll('-', '')}`;

type ContentBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown };

/** `stream: false`: one `message` object. */
export async function toMessage(run: ChatRun): Promise<Response> {
  const content: ContentBlock[] = [];
  let finishReason: FinishReason | undefined;
  const outcome = await drainRun(run, (value) => {
    if (value.type === 'text-delta') {
      const last = content.at(-1);
      if (last?.type === 'text') last.text += value.text;
      else content.push({ type: 'text', text: value.text });
    } else if (value.type === 'tool-call') {
      content.push({
        type: 'tool_use',
        id: value.toolCallId,
        name: value.toolName,
        input: value.input ?? {},
      });
    } else if (value.type === 'finish') finishReason = value.finishReason;
  });
  return Response.json(
    {
      id: messageId(run),
      type: 'message',
      role: 'assistant',
      model: run.model,
      content,
      stop_reason: toStopReason(finishReason),
      stop_sequence: null,
      usage: toAnthropicUsage(outcome.usage),
    },
    { headers: servedByHeaders(run) },
  );
}

/**
 * `stream: true`: Anthropic's typed events. `message_start` carries the input estimate (the
 * upstream's count is known only at the end; Claude Code reads the input count from here),
 * `message_delta` the usage the gateway records. A failure after the first byte ends the
 * stream with an `error` event and no `message_stop`.
 */
export function toMessageStream(run: ChatRun): Response {
  const encoder = new TextEncoder();
  const event = (type: string, data: Record<string, unknown>) =>
    encoder.encode(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  let nextIndex = 0;
  let open: { key: string; index: number } | undefined;
  const streamedTools = new Set<string>();
  let ended = false;

  const body = run.stream.pipeThrough(
    new TransformStream<Part, Uint8Array>({
      start(controller) {
        controller.enqueue(
          event('message_start', {
            message: {
              id: messageId(run),
              type: 'message',
              role: 'assistant',
              model: run.model,
              content: [],
              stop_reason: null,
              stop_sequence: null,
              usage: {
                input_tokens: run.inputTokenEstimate,
                output_tokens: 0,
                cache_read_input_tokens: 0,
                cache_creation_input_tokens: 0,
              },
            },
          }),
        );
      },
      async transform(part, controller) {
        const closeBlock = () => {
          if (!open) return;
          controller.enqueue(event('content_block_stop', { index: open.index }));
          open = undefined;
        };
        const startBlock = (key: string, contentBlock: Record<string, unknown>) => {
          closeBlock();
          open = { key, index: nextIndex++ };
          controller.enqueue(
            event('content_block_start', { index: open.index, content_block: contentBlock }),
          );
          return open.index;
        };
        const delta = (index: number, value: Record<string, unknown>) =>
          controller.enqueue(event('content_block_delta', { index, delta: value }));

        switch (part.type) {
          case 'text-delta': {
            if (!part.text) break;
            const key = `text:${part.id}`;
            const index =
              open?.key === key ? open.index : startBlock(key, { type: 'text', text: '' });
            delta(index, { type: 'text_delta', text: part.text });
            break;
          }
          case 'text-end':
            if (open?.key === `text:${part.id}`) closeBlock();
            break;
          case 'tool-input-start':
            streamedTools.add(part.id);
            startBlock(`tool:${part.id}`, {
              type: 'tool_use',
              id: part.id,
              name: part.toolName,
              input: {},
            });
            break;
          case 'tool-input-delta':
            if (open?.key === `tool:${part.id}` && part.delta) {
              delta(open.index, { type: 'input_json_delta', partial_json: part.delta });
            }
            break;
          case 'tool-input-end':
            if (open?.key === `tool:${part.id}`) closeBlock();
            break;
          case 'tool-call':
            // Providers that do not stream tool input send the whole call at once.
            if (!streamedTools.has(part.toolCallId)) {
              const index = startBlock(`tool:${part.toolCallId}`, {
                type: 'tool_use',
                id: part.toolCallId,
                name: part.toolName,
                input: {},
              });
              delta(index, {
                type: 'input_json_delta',
                partial_json: JSON.stringify(part.input ?? {}),
              });
            }
            if (open?.key === `tool:${part.toolCallId}`) closeBlock();
            break;
          case 'finish': {
            closeBlock();
            // The meter saw this part first, so the outcome (what is billed) is already known.
            const outcome = await run.outcome;
            controller.enqueue(
              event('message_delta', {
                delta: { stop_reason: toStopReason(part.finishReason), stop_sequence: null },
                usage: toAnthropicUsage(outcome.usage),
              }),
            );
            controller.enqueue(event('message_stop', {}));
            ended = true;
            break;
          }
          case 'error':
            ended = true;
            controller.enqueue(event('error', anthropicErrorBody(toGatewayError(part.error))));
            controller.terminate();
            break;
        }
      },
      flush(controller) {
        // A stream that stops without a finish is a failure, never a clean end.
        if (ended) return;
        const error = toGatewayError(new Error('The stream ended without a finish event.'));
        controller.enqueue(event('error', anthropicErrorBody(error)));
      },
    }),
  );
  return eventStreamReply(run, body);
}
