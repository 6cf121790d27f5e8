import { jsonSchema, type ModelMessage, type ToolSet, tool } from 'ai';
import type { z } from 'zod';
import type { ChatRequest } from '@/lib/chat/types';
import { GatewayError } from '@/lib/errors';
import { estimatePromptTokens, type PromptMessage } from '@/lib/tokens';
import {
  type ChatCompletionRequest,
  type TranslatableRequest,
  translatableSchema,
} from './request-schema';

export { type ChatCompletionRequest, chatCompletionRequestSchema } from './request-schema';

type OpenAIMessage = TranslatableRequest['messages'][number];

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
                        ...(part.image_url.detail
                          ? { providerOptions: { openai: { imageDetail: part.image_url.detail } } }
                          : {}),
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

function toToolSet(tools: TranslatableRequest['tools']): ToolSet | undefined {
  if (!tools?.length) return undefined;
  return Object.fromEntries(
    tools.map(({ function: definition }) => [
      definition.name,
      // No `execute`: the calling app runs its tools; the gateway only relays the calls.
      tool({
        description: definition.description,
        inputSchema: jsonSchema(definition.parameters ?? { type: 'object', properties: {} }),
        ...(typeof definition.strict === 'boolean' ? { strict: definition.strict } : {}),
      }),
    ]),
  );
}

function toToolChoice(choice: TranslatableRequest['tool_choice'], tools: ToolSet | undefined) {
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

function toResponseFormat(
  format: TranslatableRequest['response_format'],
): ChatRequest['responseFormat'] {
  if (!format || format.type === 'text') return undefined;
  if (format.type === 'json_object') return { type: 'json' };
  const { name, description, schema } = format.json_schema;
  return { type: 'json', name, description, schema };
}

/** The first problem of a translation, naming the field (an unknown field included) in `param`. */
function untranslatable(issue: z.core.$ZodIssue | undefined): GatewayError {
  const path = (issue?.path ?? []).map((key, index) =>
    typeof key === 'number' ? `[${key}]` : `${index ? '.' : ''}${String(key)}`,
  );
  if (issue?.code === 'unrecognized_keys') {
    const field = [...path, `${path.length ? '.' : ''}${issue.keys[0]}`].join('');
    return new GatewayError(
      'invalid_request',
      `${field}: this model's provider does not speak the OpenAI protocol and cannot honour this field`,
      { param: field },
    );
  }
  const param = path.join('');
  const message = issue?.message ?? 'Invalid request.';
  return new GatewayError('invalid_request', param ? `${param}: ${message}` : message, {
    param: param || null,
  });
}

/** Messages as the tokenizer estimates them: text, tool calls and results, images. */
function promptOf(messages: ChatCompletionRequest['messages']): PromptMessage[] {
  return messages.map((entry) => {
    const parts: Array<{ type: string; text?: unknown; input?: unknown; data?: unknown }> = [];
    if (typeof entry.content === 'string') parts.push({ type: 'text', text: entry.content });
    for (const part of Array.isArray(entry.content) ? entry.content : []) {
      if (part.image_url) parts.push({ type: 'file', data: part.image_url.url });
      else parts.push({ type: 'text', text: typeof part.text === 'string' ? part.text : '' });
    }
    if (Array.isArray(entry.tool_calls)) parts.push({ type: 'tool-call', input: entry.tool_calls });
    return { content: parts };
  });
}

/**
 * The request for the chat pipeline. When a translated target could not honour it, the reason
 * travels as `untranslatable`, and only targets that take the body as written may serve it.
 */
export function toChatRequest(body: ChatCompletionRequest): ChatRequest {
  const base = {
    model: body.model,
    maxOutputTokens: body.max_completion_tokens ?? body.max_tokens ?? undefined,
    inputTokenEstimate: estimatePromptTokens(promptOf(body.messages)),
  };
  const parsed = translatableSchema.safeParse(body);
  if (!parsed.success) {
    return { ...base, messages: [], untranslatable: untranslatable(parsed.error.issues[0]) };
  }
  const request = parsed.data;
  try {
    const tools = toToolSet(request.tools);
    return {
      ...base,
      messages: toModelMessages(request.messages),
      temperature: request.temperature ?? undefined,
      topP: request.top_p ?? undefined,
      presencePenalty: request.presence_penalty ?? undefined,
      frequencyPenalty: request.frequency_penalty ?? undefined,
      seed: request.seed ?? undefined,
      stopSequences:
        typeof request.stop === 'string' ? [request.stop] : (request.stop ?? undefined),
      tools,
      toolChoice: toToolChoice(request.tool_choice, tools),
      user: request.user ?? request.safety_identifier,
      parallelToolCalls: request.parallel_tool_calls,
      responseFormat: toResponseFormat(request.response_format),
    };
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    return { ...base, messages: [], untranslatable: error };
  }
}
