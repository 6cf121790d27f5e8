import {
  type AssistantContent,
  jsonSchema,
  type ModelMessage,
  type ToolChoice,
  type ToolSet,
  tool,
  type UserContent,
} from 'ai';
import { z } from 'zod';
import type { ChatRequest } from '@/lib/chat/types';
import { GatewayError } from '@/lib/errors';
import { checkShapeByType } from '@/lib/http/parse-request';

// Loose objects: Codex and the Agents SDK send fields (`status`, `id`, `annotations`, …) the
// translation has no use for; they are dropped, never refused.
const contentPart = z.looseObject({
  type: z.string().min(1),
  text: z.string().optional(),
  image_url: z.string().nullish(),
});
const messageItem = z.looseObject({
  type: z.literal('message').optional(),
  role: z.enum(['user', 'assistant', 'system', 'developer']),
  content: z.union([z.string(), z.array(contentPart)]),
});
const functionCallItem = z.looseObject({
  type: z.literal('function_call'),
  call_id: z.string().min(1),
  name: z.string().min(1),
  arguments: z.string(),
});
const customToolCallItem = z.looseObject({
  type: z.literal('custom_tool_call'),
  call_id: z.string().min(1),
  name: z.string().min(1),
  input: z.string(),
});
const toolOutputItem = z.looseObject({
  type: z.enum(['function_call_output', 'custom_tool_call_output']),
  call_id: z.string().min(1),
  output: z.union([z.string(), z.array(contentPart)]),
});
/** Reasoning items and the rest (web search calls, compaction…): kept by a relay, dropped here. */
const otherItem = z.looseObject({ type: z.string().min(1) });
const inputItem = z
  .union(
    [messageItem, functionCallItem, customToolCallItem, toolOutputItem, otherItem],
    'must be a message ({ role, content }) or an item with a type',
  )
  .superRefine(
    checkShapeByType(
      {
        message: messageItem,
        function_call: functionCallItem,
        custom_tool_call: customToolCallItem,
        function_call_output: toolOutputItem,
        custom_tool_call_output: toolOutputItem,
      },
      (item) => item.type ?? 'message',
    ),
  );

const functionTool = z.looseObject({
  type: z.literal('function'),
  name: z.string().min(1).max(128),
  description: z.string().nullish(),
  parameters: z.record(z.string(), z.unknown()).nullish(),
});
const customTool = z.looseObject({
  type: z.literal('custom'),
  name: z.string().min(1).max(128),
  description: z.string().nullish(),
});
/** Hosted tools (`web_search`, `file_search`, …) need OpenAI's servers: dropped here. */
const hostedTool = z.looseObject({ type: z.string().min(1) });

/** The OpenAI Responses request, as Codex, the Agents SDK and `@ai-sdk/openai` send it. */
export const responsesRequestSchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(inputItem).min(1, 'at least one input item is required')]),
  instructions: z.string().nullish(),
  max_output_tokens: z.number().int().positive().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  stream: z.boolean().nullish(),
  store: z.boolean().nullish(),
  previous_response_id: z
    .unknown()
    .refine(
      (value) => value === null || value === undefined,
      'is not supported: the gateway stores no responses, so send the whole conversation',
    )
    .optional(),
  tools: z
    .array(
      z
        .union([functionTool, customTool, hostedTool])
        .superRefine(checkShapeByType({ function: functionTool, custom: customTool })),
    )
    .optional(),
  tool_choice: z
    .union([
      z.enum(['none', 'auto', 'required']),
      z.looseObject({ type: z.enum(['function', 'custom']), name: z.string() }),
      z.looseObject({ type: z.string() }),
    ])
    .optional(),
  parallel_tool_calls: z.boolean().nullish(),
  user: z.string().nullish(),
  // Documented fields the translation drops: checked for their type all the same, so a relayed
  // target is not the first to say the client sent nonsense.
  max_tool_calls: z.number().int().positive().nullish(),
  top_logprobs: z.number().int().min(0).max(20).nullish(),
  include: z.array(z.string()).nullish(),
  text: z.looseObject({}).nullish(),
  reasoning: z.looseObject({}).nullish(),
  truncation: z.enum(['auto', 'disabled']).nullish(),
  service_tier: z.string().nullish(),
  prompt_cache_key: z.string().nullish(),
  safety_identifier: z.string().nullish(),
  background: z.boolean().nullish(),
  stream_options: z.looseObject({}).nullish(),
});

export type ResponsesRequest = z.infer<typeof responsesRequestSchema>;
type InputItem = z.infer<typeof inputItem>;

/** A custom (freeform) tool reaches a translated target as a function taking one string. */
const customToolSchema = {
  type: 'object',
  properties: { input: { type: 'string', description: 'The raw input of the tool.' } },
  required: ['input'],
  additionalProperties: false,
};

/** Names of the request's custom tools, whose calls go back as `custom_tool_call` items. */
export function customToolNames(body: ResponsesRequest): Set<string> {
  return new Set(
    (body.tools ?? []).flatMap((entry) =>
      entry.type === 'custom' && typeof entry.name === 'string' ? [entry.name] : [],
    ),
  );
}

function textOf(content: string | Array<z.infer<typeof contentPart>>): string {
  if (typeof content === 'string') return content;
  return content.map((part) => (part.type.endsWith('text') && part.text ? part.text : '')).join('');
}

/** The gateway never fetches a URL a client sent: images come inline, as data URLs. */
function imageOf(part: z.infer<typeof contentPart>, param: string) {
  const match = /^data:(image\/[\w.+-]+);base64,(.+)$/s.exec(part.image_url ?? '');
  if (!match) {
    throw new GatewayError(
      'invalid_request',
      `${param}.image_url: only base64 data URLs are supported (the gateway fetches no URLs)`,
      { param: `${param}.image_url` },
    );
  }
  return { type: 'file' as const, data: match[2] as string, mediaType: match[1] as string };
}

function parseArguments(text: string, param: string): unknown {
  try {
    return JSON.parse(text || '{}');
  } catch {
    throw new GatewayError('invalid_request', `${param}.arguments: not valid JSON`, {
      param: `${param}.arguments`,
    });
  }
}

function toModelMessages(input: ResponsesRequest['input']): ModelMessage[] {
  if (typeof input === 'string') return [{ role: 'user', content: input }];
  const toolNames = new Map<string, string>();
  const converted: ModelMessage[] = [];
  // Consecutive tool calls are one assistant turn, as the model produced them.
  const assistantTurn = (): Exclude<AssistantContent, string> => {
    const last = converted.at(-1);
    if (last?.role === 'assistant' && Array.isArray(last.content)) return last.content;
    const content: Exclude<AssistantContent, string> = [];
    converted.push({ role: 'assistant', content });
    return content;
  };
  input.forEach((item: InputItem, index) => {
    const param = `input[${index}]`;
    if ('role' in item && (item.type === undefined || item.type === 'message')) {
      const message = item as z.infer<typeof messageItem>;
      if (message.role === 'system' || message.role === 'developer') {
        converted.push({ role: 'system', content: textOf(message.content) });
      } else if (message.role === 'assistant') {
        const text = textOf(message.content);
        if (text) assistantTurn().push({ type: 'text', text });
      } else if (typeof message.content === 'string') {
        converted.push({ role: 'user', content: message.content });
      } else {
        const content: Exclude<UserContent, string> = [];
        message.content.forEach((part, partIndex) => {
          if (part.type === 'input_image')
            content.push(imageOf(part, `${param}.content[${partIndex}]`));
          else if (part.text) content.push({ type: 'text', text: part.text });
        });
        if (content.length > 0) converted.push({ role: 'user', content });
      }
      return;
    }
    if (item.type === 'function_call' || item.type === 'custom_tool_call') {
      const call = item as z.infer<typeof functionCallItem> | z.infer<typeof customToolCallItem>;
      toolNames.set(call.call_id, call.name);
      assistantTurn().push({
        type: 'tool-call',
        toolCallId: call.call_id,
        toolName: call.name,
        input:
          call.type === 'function_call'
            ? parseArguments(call.arguments, param)
            : { input: call.input },
      });
      return;
    }
    if (item.type === 'function_call_output' || item.type === 'custom_tool_call_output') {
      const output = item as z.infer<typeof toolOutputItem>;
      const toolName = toolNames.get(output.call_id);
      if (!toolName) {
        throw new GatewayError(
          'invalid_request',
          `${param}.call_id: no earlier tool call has call_id "${output.call_id}"`,
          { param: `${param}.call_id` },
        );
      }
      converted.push({
        role: 'tool',
        content: [
          {
            type: 'tool-result',
            toolCallId: output.call_id,
            toolName,
            output: { type: 'text', value: textOf(output.output) },
          },
        ],
      });
    }
  });
  return converted;
}

function toToolSet(tools: ResponsesRequest['tools']): ToolSet | undefined {
  const entries = (tools ?? []).flatMap((entry) => {
    if (entry.type === 'function') {
      const definition = entry as z.infer<typeof functionTool>;
      const parameters = definition.parameters ?? { type: 'object', properties: {} };
      return [[definition.name, { description: definition.description, parameters }] as const];
    }
    if (entry.type === 'custom') {
      const definition = entry as z.infer<typeof customTool>;
      return [
        [
          definition.name,
          { description: definition.description, parameters: customToolSchema },
        ] as const,
      ];
    }
    return [];
  });
  if (entries.length === 0) return undefined;
  return Object.fromEntries(
    entries.map(([name, { description, parameters }]) => [
      name,
      // No `execute`: the agent runs its tools; the gateway only relays the calls.
      tool({ description: description ?? undefined, inputSchema: jsonSchema(parameters) }),
    ]),
  );
}

function toToolChoice(
  choice: ResponsesRequest['tool_choice'],
  tools: ToolSet | undefined,
): ToolChoice<ToolSet> | undefined {
  if (choice === undefined || !tools) return undefined;
  if (typeof choice === 'string') return choice;
  if (choice.type !== 'function' && choice.type !== 'custom') return undefined;
  const name = (choice as { name: string }).name;
  if (!tools[name]) {
    throw new GatewayError(
      'invalid_request',
      `tool_choice.name: "${name}" is not one of the tools`,
      {
        param: 'tool_choice.name',
      },
    );
  }
  return { type: 'tool', toolName: name };
}

export function toChatRequest(body: ResponsesRequest): ChatRequest {
  const tools = toToolSet(body.tools);
  const messages = toModelMessages(body.input);
  if (messages.length === 0) {
    throw new GatewayError('invalid_request', 'input: no item has any content', {
      param: 'input',
    });
  }
  return {
    model: body.model,
    instructions: body.instructions || undefined,
    messages,
    maxOutputTokens: body.max_output_tokens ?? undefined,
    temperature: body.temperature ?? undefined,
    topP: body.top_p ?? undefined,
    tools,
    toolChoice: toToolChoice(body.tool_choice, tools),
    parallelToolCalls: body.parallel_tool_calls ?? undefined,
    user: body.user ?? undefined,
  };
}
