import { convertToModelMessages, type ModelMessage, type UIMessage } from 'ai';
import { z } from 'zod';
import { GatewayError } from '@/lib/errors';
import { mediaUrlProblem } from '@/lib/openai/media-url';
import type { ChatRequest } from './types';

const role = z.enum(['system', 'user', 'assistant']);
const textPart = z.object({ type: z.literal('text'), text: z.string() });
// UI message parts are many (text, file, reasoning, tool-*, data-*); the AI SDK's converter
// checks their details, this schema only their shape.
// A file part's URL is never fetched by the gateway; it must be one a provider may be given.
const uiPart = z.looseObject({ type: z.string().min(1) }).superRefine((part, context) => {
  if (part.type !== 'file') return;
  const problem =
    typeof part.url === 'string'
      ? mediaUrlProblem(part.url, { imagesOnly: false })
      : 'a file part needs a `url`';
  if (problem) context.addIssue({ code: 'custom', message: problem, path: ['url'] });
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
