import { convertToModelMessages, type ModelMessage, type UIMessage } from 'ai';
import { z } from 'zod';
import { GatewayError } from '@/lib/errors';
import type { ChatRequest } from './types';

const role = z.enum(['system', 'user', 'assistant']);
const textPart = z.object({ type: z.literal('text'), text: z.string() });
// UI message parts are many (text, file, reasoning, tool-*, data-*); the AI SDK's converter
// checks their details, this schema only their shape.
const uiPart = z.looseObject({ type: z.string().min(1) }).superRefine((part, context) => {
  // A file travels inline (`data:`) or as a web address; any other scheme (`javascript:`,
  // `file:`, …) names nothing a provider can read.
  if (part.type !== 'file') return;
  const url = (part as { url?: unknown }).url;
  if (typeof url !== 'string' || !/^(data|https?):/i.test(url)) {
    context.addIssue({
      code: 'custom',
      path: ['url'],
      message: 'a file part needs a `data:` or http(s) URL',
    });
  }
});

const message = z
  .object({
    id: z.string().optional(),
    role,
    parts: z.array(uiPart).optional(),
    content: z.union([z.string(), z.array(textPart)]).optional(),
  })
  .refine((value) => value.parts !== undefined || value.content !== undefined, {
    message: 'a message needs `parts` (UI message) or `content`',
  });

/** The body of POST /api/chat: what `useChat` sends, or plain `{ role, content }` messages. */
export const chatBodySchema = z.object({
  messages: z.array(message).min(1, 'at least one message is required'),
  model: z.string().min(1).optional(),
  system: z.string().optional(),
  maxOutputTokens: z.number().int().positive().optional(),
  temperature: z.number().min(0).max(2).optional(),
  stream: z.boolean().optional(),
});

export type ChatBody = z.infer<typeof chatBodySchema>;

async function toModelMessages(messages: ChatBody['messages']): Promise<ModelMessage[]> {
  const converted: ModelMessage[] = [];
  for (const entry of messages) {
    if (entry.parts) {
      const uiMessage = { role: entry.role, parts: entry.parts } as Omit<UIMessage, 'id'>;
      converted.push(...(await convertToModelMessages([uiMessage])));
    } else if (typeof entry.content === 'string') {
      converted.push({ role: entry.role, content: entry.content } as ModelMessage);
    } else if (entry.content) {
      const text = entry.content.map((part) => part.text).join('');
      converted.push({ role: entry.role, content: text } as ModelMessage);
    }
  }
  return converted;
}

export async function toChatRequest(body: ChatBody, defaultModel: string): Promise<ChatRequest> {
  let messages: ModelMessage[];
  try {
    messages = await toModelMessages(body.messages);
  } catch (error) {
    throw new GatewayError('invalid_request', `messages: ${(error as Error).message}`, {
      param: 'messages',
      cause: error,
    });
  }
  if (messages.length === 0) {
    throw new GatewayError('invalid_request', 'messages: no message has any content', {
      param: 'messages',
    });
  }
  return {
    model: body.model ?? defaultModel,
    instructions: body.system,
    messages,
    maxOutputTokens: body.maxOutputTokens,
    temperature: body.temperature,
  };
}
