import type { FinishReason, TextStreamPart, ToolSet } from 'ai';
import type { ChatRun } from '@/lib/chat/pipeline';
import { drainRun, eventStreamReply, servedByHeaders } from '@/lib/chat/replies';
import type { Usage } from '@/lib/chat/types';
import { toUsage } from '@/lib/chat/usage';
import { toGatewayError } from '@/lib/errors';

type Part = TextStreamPart<ToolSet>;

const finishReasons: Partial<Record<FinishReason, string>> = {
  stop: 'stop',
  length: 'length',
  'tool-calls': 'tool_calls',
  'content-filter': 'content_filter',
};

function toFinishReason(reason: FinishReason | string | undefined): string {
  return finishReasons[reason as FinishReason] ?? 'stop';
}

function toOpenAIUsage(usage: Usage) {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.totalTokens,
    prompt_tokens_details: { cached_tokens: usage.cacheReadTokens },
  };
}

interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

function completionId(run: ChatRun) {
  return `chatcmpl-${run.id.replace(/^chat-/, '')}`;
}

/** `stream: false`: one `chat.completion` object. */
export async function toChatCompletion(run: ChatRun): Promise<Response> {
  const toolCalls: ToolCall[] = [];
  let finishReason: FinishReason | undefined;
  const outcome = await drainRun(run, (value) => {
    if (value.type === 'tool-call') {
      toolCalls.push({
        id: value.toolCallId,
        type: 'function',
        function: { name: value.toolName, arguments: JSON.stringify(value.input ?? {}) },
      });
    } else if (value.type === 'finish') finishReason = value.finishReason;
  });
  return Response.json(
    {
      id: completionId(run),
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: run.model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: outcome.text || (toolCalls.length ? null : ''),
            refusal: null,
            ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
          },
          logprobs: null,
          finish_reason: toFinishReason(finishReason),
        },
      ],
      usage: toOpenAIUsage(outcome.usage),
    },
    { headers: servedByHeaders(run) },
  );
}

/**
 * `stream: true`: `chat.completion.chunk` events, a usage chunk when asked for, then `[DONE]`.
 * A failure after the first byte ends the stream with an `error` event and no `[DONE]`, so no
 * client mistakes a cut answer for a complete one.
 */
export function toChatCompletionStream(run: ChatRun, includeUsage: boolean): Response {
  const encoder = new TextEncoder();
  const id = completionId(run);
  const created = Math.floor(Date.now() / 1000);
  const toolIndexes = new Map<string, number>();
  const event = (data: unknown) => encoder.encode(`data: ${JSON.stringify(data)}\n\n`);
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) =>
    event({
      id,
      object: 'chat.completion.chunk',
      created,
      model: run.model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    });
  const toolIndex = (toolCallId: string) => {
    const known = toolIndexes.get(toolCallId);
    if (known !== undefined) return { index: known, isNew: false };
    toolIndexes.set(toolCallId, toolIndexes.size);
    return { index: toolIndexes.size - 1, isNew: true };
  };

  const body = run.stream.pipeThrough(
    new TransformStream<Part, Uint8Array>({
      start(controller) {
        controller.enqueue(chunk({ role: 'assistant', content: '' }));
      },
      transform(part, controller) {
        switch (part.type) {
          case 'text-delta':
            if (part.text) controller.enqueue(chunk({ content: part.text }));
            break;
          case 'tool-input-start': {
            const { index } = toolIndex(part.id);
            controller.enqueue(
              chunk({
                tool_calls: [
                  {
                    index,
                    id: part.id,
                    type: 'function',
                    function: { name: part.toolName, arguments: '' },
                  },
                ],
              }),
            );
            break;
          }
          case 'tool-input-delta':
            controller.enqueue(
              chunk({
                tool_calls: [
                  { index: toolIndex(part.id).index, function: { arguments: part.delta } },
                ],
              }),
            );
            break;
          case 'tool-call': {
            // Providers that do not stream tool input send the whole call at once.
            const { index, isNew } = toolIndex(part.toolCallId);
            if (isNew) {
              controller.enqueue(
                chunk({
                  tool_calls: [
                    {
                      index,
                      id: part.toolCallId,
                      type: 'function',
                      function: {
                        name: part.toolName,
                        arguments: JSON.stringify(part.input ?? {}),
                      },
                    },
                  ],
                }),
              );
            }
            break;
          }
          case 'finish':
            controller.enqueue(chunk({}, toFinishReason(part.finishReason)));
            if (includeUsage) {
              controller.enqueue(
                event({
                  id,
                  object: 'chat.completion.chunk',
                  created,
                  model: run.model,
                  choices: [],
                  usage: toOpenAIUsage(toUsage(part.totalUsage)),
                }),
              );
            }
            controller.enqueue(encoder.encode('data: [DONE]\n\n'));
            break;
          case 'error':
            controller.enqueue(event(toGatewayError(part.error).toJSON()));
            controller.terminate();
            break;
        }
      },
    }),
  );
  return eventStreamReply(run, body);
}
