import { jsonSchema, type ModelMessage, type ToolSet, tool } from 'ai';
import { z } from 'zod';
import type { ChatRequest } from '@/lib/chat/types';
import { GatewayError } from '@/lib/errors';

const textPart = z.strictObject({ type: z.literal('text'), text: z.string() });
const imagePart = z.strictObject({
  type: z.literal('image_url'),
  image_url: z.strictObject({
    url: z.string().regex(/^(https?:|data:image\/)/, 'must be an http(s) or data:image URL'),
    detail: z.enum(['auto', 'low', 'high']).optional(),
  }),
});
const toolCall = z.strictObject({
  id: z.string().min(1),
  type: z.literal('function'),
  function: z.strictObject({ name: z.string().min(1), arguments: z.string() }),
});

const message = z.discriminatedUnion('role', [
  z.strictObject({
    role: z.enum(['system', 'developer']),
    content: z.union([z.string(), z.array(textPart)]),
    name: z.string().optional(),
  }),
  z.strictObject({
    role: z.literal('user'),
    content: z.union([z.string(), z.array(z.discriminatedUnion('type', [textPart, imagePart]))]),
    name: z.string().optional(),
  }),
  z.strictObject({
    role: z.literal('assistant'),
    content: z.union([z.string(), z.array(textPart)]).nullish(),
    tool_calls: z.array(toolCall).optional(),
    name: z.string().optional(),
    refusal: z.string().nullish(),
  }),
  z.strictObject({
    role: z.literal('tool'),
    content: z.union([z.string(), z.array(textPart)]),
    tool_call_id: z.string().min(1),
  }),
]);

const functionTool = z.strictObject({
  type: z.literal('function'),
  function: z.strictObject({
    name: z.string().regex(/^[\w-]{1,64}$/, 'must be 1-64 letters, digits, _ or -'),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullish(),
  }),
});

/**
 * The OpenAI Chat Completions request. Strict: a field we do not support is a 400 that names it,
 * so a client never believes an option took effect when it did not.
 */
export const chatCompletionRequestSchema = z.strictObject({
  model: z.string().min(1),
  messages: z.array(message).min(1, 'at least one message is required'),
  stream: z.boolean().nullish(),
  stream_options: z.strictObject({ include_usage: z.boolean().optional() }).nullish(),
  max_tokens: z.number().int().positive().nullish(),
  max_completion_tokens: z.number().int().positive().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  seed: z.number().int().nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  n: z.literal(1, 'only n = 1 is supported').nullish(),
  tools: z.array(functionTool).optional(),
  tool_choice: z
    .union([
      z.enum(['none', 'auto', 'required']),
      z.strictObject({
        type: z.literal('function'),
        function: z.strictObject({ name: z.string() }),
      }),
    ])
    .optional(),
  parallel_tool_calls: z.boolean().optional(),
  user: z.string().optional(),
});

export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;
type OpenAIMessage = ChatCompletionRequest['messages'][number];

function joinText(content: string | Array<{ text: string }>): string {
  return typeof content === 'string' ? content : content.map((part) => part.text).join('');
}

/** `data:image/png;base64,…` names its type; a plain URL is just some image. */
function imageMediaType(url: string): string {
  return /^data:(image\/[\w.+-]+)[;,]/.exec(url)?.[1] ?? 'image';
}

function parseArguments(text: string, index: number): unknown {
  try {
    return JSON.parse(text || '{}');
  } catch {
    throw new GatewayError(
      'invalid_request',
      `messages[${index}].tool_calls: function.arguments is not valid JSON`,
      { param: `messages[${index}].tool_calls` },
    );
  }
}

function toModelMessages(messages: OpenAIMessage[]): ModelMessage[] {
  const toolNames = new Map<string, string>();
  return messages.map((entry, index): ModelMessage => {
    switch (entry.role) {
      case 'system':
      case 'developer':
        return { role: 'system', content: joinText(entry.content) };
      case 'user':
        return {
          role: 'user',
          content:
            typeof entry.content === 'string'
              ? entry.content
              : entry.content.map((part) =>
                  part.type === 'text'
                    ? { type: 'text', text: part.text }
                    : {
                        type: 'file',
                        data: new URL(part.image_url.url),
                        mediaType: imageMediaType(part.image_url.url),
                      },
                ),
        };
      case 'assistant': {
        const text = entry.content ? joinText(entry.content) : '';
        const calls = (entry.tool_calls ?? []).map((call) => {
          toolNames.set(call.id, call.function.name);
          return {
            type: 'tool-call' as const,
            toolCallId: call.id,
            toolName: call.function.name,
            input: parseArguments(call.function.arguments, index),
          };
        });
        return {
          role: 'assistant',
          content: [...(text ? [{ type: 'text' as const, text }] : []), ...calls],
        };
      }
      default: {
        const toolName = toolNames.get(entry.tool_call_id);
        if (!toolName) {
          throw new GatewayError(
            'invalid_request',
            `messages[${index}].tool_call_id: no earlier assistant tool call has id "${entry.tool_call_id}"`,
            { param: `messages[${index}].tool_call_id` },
          );
        }
        return {
          role: 'tool',
          content: [
            {
              type: 'tool-result',
              toolCallId: entry.tool_call_id,
              toolName,
              output: { type: 'text', value: joinText(entry.content) },
            },
          ],
        };
      }
    }
  });
}

function toToolSet(tools: ChatCompletionRequest['tools']): ToolSet | undefined {
  if (!tools?.length) return undefined;
  return Object.fromEntries(
    tools.map(({ function: definition }) => [
      definition.name,
      // No `execute`: the calling app runs its tools; the gateway only relays the calls.
      tool({
        description: definition.description,
        inputSchema: jsonSchema(definition.parameters ?? { type: 'object', properties: {} }),
      }),
    ]),
  );
}

function toToolChoice(choice: ChatCompletionRequest['tool_choice'], tools: ToolSet | undefined) {
  if (choice === undefined) return undefined;
  if (typeof choice === 'string') return choice;
  if (!tools?.[choice.function.name]) {
    throw new GatewayError(
      'invalid_request',
      `tool_choice: "${choice.function.name}" is not one of the tools`,
      { param: 'tool_choice' },
    );
  }
  return { type: 'tool' as const, toolName: choice.function.name };
}

export function toChatRequest(body: ChatCompletionRequest): ChatRequest {
  const tools = toToolSet(body.tools);
  return {
    model: body.model,
    messages: toModelMessages(body.messages),
    maxOutputTokens: body.max_completion_tokens ?? body.max_tokens ?? undefined,
    temperature: body.temperature ?? undefined,
    topP: body.top_p ?? undefined,
    presencePenalty: body.presence_penalty ?? undefined,
    frequencyPenalty: body.frequency_penalty ?? undefined,
    seed: body.seed ?? undefined,
    stopSequences: typeof body.stop === 'string' ? [body.stop] : (body.stop ?? undefined),
    tools,
    toolChoice: toToolChoice(body.tool_choice, tools),
    user: body.user,
  };
}
