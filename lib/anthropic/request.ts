import {
  type AssistantContent,
  jsonSchema,
  type ModelMessage,
  type ToolChoice,
  type ToolResultPart,
  type ToolSet,
  tool,
  type UserContent,
} from 'ai';
import { z } from 'zod';

type ToolResultOutput = ToolResultPart['output'];

import type { ChatRequest } from '@/lib/chat/types';
import { GatewayError } from '@/lib/errors';
import { checkShapeByType } from '@/lib/http/parse-request';

// Loose objects throughout: Claude Code and the SDKs send fields the translation has no use for
// (`cache_control`, `citations`, `signature`, …); they are dropped, never refused.
const base64Source = z.looseObject({
  type: z.literal('base64'),
  media_type: z.string().regex(/^[\w.+-]+\/[\w.+-]+$/),
  data: z.string().min(1),
});
const otherSource = z.looseObject({ type: z.string() });
const textBlock = z.looseObject({ type: z.literal('text'), text: z.string() });
const imageBlock = z.looseObject({
  type: z.literal('image'),
  source: z.union([base64Source, otherSource]),
});
const documentBlock = z.looseObject({
  type: z.literal('document'),
  source: z.union([base64Source, otherSource]),
});
const toolUseBlock = z.looseObject({
  type: z.literal('tool_use'),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.unknown(),
});
const toolResultBlock = z.looseObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string().min(1),
  content: z.union([z.string(), z.array(z.union([textBlock, imageBlock, otherSource]))]).optional(),
  is_error: z.boolean().optional(),
});
/** `thinking`, `redacted_thinking`, server tool blocks…: kept by a relay, dropped here. */
const otherBlock = z.looseObject({ type: z.string().min(1) });
const block = z
  .union([textBlock, imageBlock, documentBlock, toolUseBlock, toolResultBlock, otherBlock])
  .superRefine(
    checkShapeByType({
      text: textBlock,
      image: imageBlock,
      document: documentBlock,
      tool_use: toolUseBlock,
      tool_result: toolResultBlock,
    }),
  );
type Block = z.infer<typeof block>;

const message = z.looseObject({
  // Claude Code puts `system` entries between the turns of a conversation.
  role: z.enum(['user', 'assistant', 'system']),
  content: z.union([z.string(), z.array(block)]),
});

const toolDefinition = z.looseObject({
  name: z.string().min(1).max(128),
  description: z.string().optional(),
  /** Absent on Anthropic's server tools (`web_search_…`, `bash_…`), which are dropped. */
  input_schema: z.record(z.string(), z.unknown()).optional(),
  type: z.string().optional(),
});

/** The Anthropic Messages request, as Claude Code and the SDKs send it. */
export const messagesRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(message).min(1, 'at least one message is required'),
  system: z
    .union([
      z.string(),
      z.array(z.union([textBlock, otherBlock]).superRefine(checkShapeByType({ text: textBlock }))),
    ])
    .optional(),
  max_tokens: z.number().int().positive().optional(),
  stream: z.boolean().optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().positive().optional(),
  stop_sequences: z.array(z.string()).optional(),
  tools: z.array(toolDefinition).optional(),
  tool_choice: z
    .looseObject({
      type: z.enum(['auto', 'any', 'tool', 'none']),
      name: z.string().optional(),
      disable_parallel_tool_use: z.boolean().optional(),
    })
    .optional(),
  // Documented fields the translation drops: checked for their type all the same, so a relayed
  // target is not the first to say the client sent nonsense.
  metadata: z.looseObject({ user_id: z.string().nullish() }).optional(),
  thinking: z.looseObject({ type: z.string().min(1) }).optional(),
  service_tier: z.string().optional(),
});

export type MessagesRequest = z.infer<typeof messagesRequestSchema>;

const isText = (entry: Block): entry is z.infer<typeof textBlock> =>
  entry.type === 'text' && typeof entry.text === 'string';

function joinText(content: string | Block[]): string {
  if (typeof content === 'string') return content;
  return content
    .filter(isText)
    .map((entry) => entry.text)
    .join('\n');
}

/** The gateway never fetches a URL a client sent: images and documents come inline. */
function inlineSource(entry: Block, param: string) {
  const parsed = base64Source.safeParse((entry as { source?: unknown }).source);
  if (!parsed.success) {
    throw new GatewayError(
      'invalid_request',
      `${param}.source: only base64 sources are supported (the gateway fetches no URLs)`,
      { param: `${param}.source` },
    );
  }
  return { type: 'file' as const, data: parsed.data.data, mediaType: parsed.data.media_type };
}

function toolOutput(entry: z.infer<typeof toolResultBlock>, param: string): ToolResultOutput {
  if (entry.is_error) return { type: 'error-text', value: joinText(entry.content ?? '') };
  if (entry.content === undefined || typeof entry.content === 'string') {
    return { type: 'text', value: entry.content ?? '' };
  }
  const value: Extract<ToolResultOutput, { type: 'content' }>['value'] = [];
  entry.content.forEach((part, index) => {
    if (isText(part)) value.push({ type: 'text', text: part.text });
    else if (part.type === 'image') {
      const file = inlineSource(part, `${param}.content[${index}]`);
      value.push({
        type: 'file',
        data: { type: 'data', data: file.data },
        mediaType: file.mediaType,
      });
    }
  });
  return { type: 'content', value };
}

function toModelMessages(messages: MessagesRequest['messages']): ModelMessage[] {
  const toolNames = new Map<string, string>();
  const converted: ModelMessage[] = [];
  messages.forEach((entry, index) => {
    const param = `messages[${index}]`;
    if (entry.role === 'system') {
      const text = joinText(entry.content);
      if (text) converted.push({ role: 'system', content: text });
      return;
    }
    if (typeof entry.content === 'string') {
      converted.push({ role: entry.role, content: entry.content });
      return;
    }
    if (entry.role === 'assistant') {
      const content: Exclude<AssistantContent, string> = [];
      for (const part of entry.content) {
        if (isText(part)) content.push({ type: 'text', text: part.text });
        else if (part.type === 'tool_use') {
          const call = part as z.infer<typeof toolUseBlock>;
          toolNames.set(call.id, call.name);
          content.push({
            type: 'tool-call',
            toolCallId: call.id,
            toolName: call.name,
            input: call.input ?? {},
          });
        }
      }
      if (content.length > 0) converted.push({ role: 'assistant', content });
      return;
    }
    // A user turn: tool results become a tool message, the rest a user message, in order.
    const userContent: Exclude<UserContent, string> = [];
    entry.content.forEach((part, partIndex) => {
      const partParam = `${param}.content[${partIndex}]`;
      if (part.type === 'tool_result') {
        const result = part as z.infer<typeof toolResultBlock>;
        const toolName = toolNames.get(result.tool_use_id);
        if (!toolName) {
          throw new GatewayError(
            'invalid_request',
            `${partParam}.tool_use_id: no earlier tool_use block has id "${result.tool_use_id}"`,
            { param: `${partParam}.tool_use_id` },
          );
        }
        converted.push({
          role: 'tool',
          content: [
            {
              type: 'tool-result',
              toolCallId: result.tool_use_id,
              toolName,
              output: toolOutput(result, partParam),
            },
          ],
        });
      } else if (isText(part)) {
        if (part.text) userContent.push({ type: 'text', text: part.text });
      } else if (part.type === 'image' || part.type === 'document') {
        userContent.push(inlineSource(part, partParam));
      }
    });
    if (userContent.length > 0) converted.push({ role: 'user', content: userContent });
  });
  return converted;
}

function toToolSet(tools: MessagesRequest['tools']): ToolSet | undefined {
  const defined = (tools ?? []).filter((definition) => definition.input_schema !== undefined);
  if (defined.length === 0) return undefined;
  return Object.fromEntries(
    defined.map((definition) => [
      definition.name,
      // No `execute`: the agent runs its tools; the gateway only relays the calls.
      tool({
        description: definition.description,
        inputSchema: jsonSchema(definition.input_schema ?? { type: 'object' }),
      }),
    ]),
  );
}

function toToolChoice(
  choice: MessagesRequest['tool_choice'],
  tools: ToolSet | undefined,
): ToolChoice<ToolSet> | undefined {
  if (!choice || !tools) return undefined;
  if (choice.type === 'auto' || choice.type === 'none') return choice.type;
  if (choice.type === 'any') return 'required';
  if (!choice.name || !tools[choice.name]) {
    throw new GatewayError(
      'invalid_request',
      `tool_choice.name: "${choice.name ?? ''}" is not one of the tools`,
      { param: 'tool_choice.name' },
    );
  }
  return { type: 'tool', toolName: choice.name };
}

export function toChatRequest(body: MessagesRequest): ChatRequest {
  const tools = toToolSet(body.tools);
  const messages = toModelMessages(body.messages);
  if (messages.length === 0) {
    throw new GatewayError('invalid_request', 'messages: no message has any content', {
      param: 'messages',
    });
  }
  const system = body.system === undefined ? '' : joinText(body.system);
  return {
    model: body.model,
    instructions: system || undefined,
    messages,
    maxOutputTokens: body.max_tokens,
    temperature: body.temperature,
    topP: body.top_p,
    stopSequences: body.stop_sequences,
    tools,
    toolChoice: toToolChoice(body.tool_choice, tools),
    parallelToolCalls: body.tool_choice?.disable_parallel_tool_use ? false : undefined,
    // `metadata.user_id` is the agent's session id, not an end user: providers get the caller.
  };
}
