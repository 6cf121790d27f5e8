import { z } from 'zod';
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
 * The documented sampling fields, as OpenAI documents them. One meaning whatever the target: a
 * wrong type or a value out of range is the client's mistake, a 400 before any provider sees it.
 */
const samplingFields = {
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  seed: z.number().int().nullish(),
  stop: z
    .union([z.string(), z.array(z.string()).max(4)], 'must be a string or up to 4 strings')
    .nullish(),
};

const relayedPart = z
  .looseObject({
    type: z.string().min(1),
    text: z.string().optional(),
    image_url: z.looseObject({ url: imageUrl }).optional(),
  })
  .superRefine((part, context) => {
    if (part.type === 'text' && part.text === undefined) {
      context.addIssue({ code: 'custom', path: ['text'], message: 'a text part needs its text' });
    }
    if (part.type === 'image_url' && part.image_url === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['image_url'],
        message: 'an image_url part needs image_url.url',
      });
    }
  });

const relayedToolCall = z.looseObject({
  id: z.string().min(1),
  type: z.string().min(1),
  function: z.looseObject({ name: z.string().min(1), arguments: z.string() }).optional(),
});

/** Roles whose message has no answer without content (an assistant's may be only tool calls). */
const contentRequired = new Set(['system', 'developer', 'user', 'tool']);

const relayedMessage = z
  .looseObject({
    role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
    content: z
      .union([z.string(), z.array(relayedPart)], 'must be a string or an array of parts')
      .nullish(),
    name: z.string().nullish(),
    tool_calls: z.array(relayedToolCall).nullish(),
    tool_call_id: z.string().min(1).optional(),
  })
  .superRefine((entry, context) => {
    if (
      contentRequired.has(entry.role) &&
      (entry.content === undefined || entry.content === null)
    ) {
      const hint =
        'parts' in entry ? ' (`parts` is the AI SDK UI message shape, which /api/chat takes)' : '';
      context.addIssue({
        code: 'custom',
        path: ['content'],
        message: `a ${entry.role} message needs content, a string or an array of parts${hint}`,
      });
    }
    if (entry.role === 'tool' && entry.tool_call_id === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['tool_call_id'],
        message: 'a tool message needs the tool_call_id it answers',
      });
    }
  });

/**
 * What every Chat Completions request must be, whatever serves it: the fields the gateway reads
 * or owns, the documented fields' types and ranges, and image URLs it will not pass on. A field
 * it does not know (a newer OpenAI field, a vendor extension) is the target's business: a target
 * that speaks this protocol gets it as written; `toChatRequest` decides whether a translated one
 * can honour it.
 */
export const chatCompletionRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(relayedMessage).min(1, 'at least one message is required'),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  max_tokens: outputCap,
  max_completion_tokens: outputCap,
  ...samplingFields,
  n: z.literal(1, 'only n = 1 is supported').nullish(),
  tools: z.array(z.looseObject({ type: z.string().min(1) })).nullish(),
  tool_choice: z.union([z.string(), z.looseObject({ type: z.string().min(1) })]).nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  response_format: z.looseObject({ type: z.string().min(1) }).nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.number().int().min(0).max(20).nullish(),
  user: z.string().optional(),
});

/**
 * The Chat Completions request as a translated target (another protocol) can honour it. Strict:
 * a field it cannot honour is a 400 that names it, so a client never believes an option took
 * effect when it did not. Fields that change nothing for the answer are accepted.
 */
export const translatableSchema = z.strictObject({
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
  ...samplingFields,
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
export type TranslatableRequest = z.infer<typeof translatableSchema>;
