import { jsonSchema, type ModelMessage, type ToolSet, tool } from 'ai';
import { z } from 'zod';
import type { ChatRequest } from '@/lib/chat/types';
import { GatewayError } from '@/lib/errors';
import { estimatePromptTokens, type PromptMessage } from '@/lib/tokens';
import { mediaUrlProblem } from './media-url';

const imageUrl = z.string().superRefine((url, context) => {
  const problem = mediaUrlProblem(url, { imagesOnly: true });
  if (problem) context.addIssue({ code: 'custom', message: problem });
});

const textPart = z.strictObject({ type: z.literal('text'), text: z.string() });
const imagePart = z.strictObject({
  type: z.literal('image_url'),
  image_url: z.strictObject({
    url: imageUrl,
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
    name: z.string().optional(),
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

const responseFormat = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('text') }),
  z.strictObject({ type: z.literal('json_object') }),
  z.strictObject({
    type: z.literal('json_schema'),
    json_schema: z.strictObject({
      name: z.string().min(1),
      description: z.string().optional(),
      schema: z.record(z.string(), z.unknown()).optional(),
      strict: z.boolean().nullish(),
    }),
  }),
]);

const outputCap = z.number().int().positive().nullish();

/**
 * What every Chat Completions request must be, whatever serves it: the fields the gateway reads
 * or owns, and image URLs it will not pass on. Everything else is the target's business: a
 * target that speaks this protocol gets it as written; `toChatRequest` decides whether a
 * translated one can honour it.
 */
export const chatCompletionRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z
    .array(
      z.looseObject({
        role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
        content: z
          .union([
            z.string(),
            z.array(
              z.looseObject({
                type: z.string(),
                image_url: z.looseObject({ url: imageUrl }).optional(),
              }),
            ),
          ])
          .nullish(),
      }),
    )
    .min(1, 'at least one message is required'),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  max_tokens: outputCap,
  max_completion_tokens: outputCap,
  n: z.literal(1, 'only n = 1 is supported').nullish(),
  user: z.string().optional(),
});

/**
 * The Chat Completions request as a translated target (another protocol) can honour it. Strict:
 * a field it cannot honour is a 400 that names it, so a client never believes an option took
 * effect when it did not. Fields that change nothing for the answer are accepted.
 */
const translatableSchema = z.strictObject({
  model: z.string().min(1),
  messages: z.array(message).min(1, 'at least one message is required'),
  stream: z.boolean().nullish(),
  stream_options: z
    .strictObject({
      include_usage: z.boolean().optional(),
      include_obfuscation: z.boolean().optional(),
    })
    .nullish(),
  max_tokens: outputCap,
  max_completion_tokens: outputCap,
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
  response_format: responseFormat.optional(),
  user: z.string().optional(),
  safety_identifier: z.string().optional(),
  // Harmless to ignore: nothing about the answer changes.
  store: z.boolean().nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  service_tier: z.literal('auto', 'only "auto" can be honoured by this model').nullish(),
  logprobs: z.literal(false, 'log probabilities are not available for this model').nullish(),
  prompt_cache_key: z.string().optional(),
});

export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;
type TranslatableRequest = z.infer<typeof translatableSchema>;
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
