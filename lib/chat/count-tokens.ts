import { z } from 'zod';
import type { Catalog } from '@/lib/providers/catalog';
import { countTokens, estimatePromptTokens } from '@/lib/tokens';
import { chatBodySchema, toChatRequest } from './chat-request';

/** `{ model, text }` or `{ model, messages, system? }`; messages as `/api/chat` takes them. */
export const countTokensBodySchema = z
  .strictObject({
    model: z.string().min(1),
    text: z.string().optional(),
    messages: chatBodySchema.shape.messages.optional(),
    system: z.string().optional(),
  })
  .superRefine((body, context) => {
    if ((body.text === undefined) === (body.messages === undefined)) {
      context.addIssue({ code: 'custom', message: 'send either `text` or `messages`', path: [] });
    } else if (body.text !== undefined && body.system !== undefined) {
      context.addIssue({ code: 'custom', message: 'goes with `messages`', path: ['system'] });
    }
  });

export type CountTokensBody = z.infer<typeof countTokensBodySchema>;

/**
 * The input tokens of a text (the tokenizer's count) or of a prompt (the estimate a chat
 * request reserves its budget with: the text plus the chat format's framing), for a catalog
 * model; an unknown model is a 404.
 */
export async function countInputTokens(
  catalog: Pick<Catalog, 'resolve'>,
  body: CountTokensBody,
): Promise<{ model: string; inputTokens: number }> {
  const { id } = await catalog.resolve(body.model);
  if (body.text !== undefined) return { model: id, inputTokens: countTokens(body.text) };
  const { messages, instructions } = await toChatRequest(
    { messages: body.messages ?? [], system: body.system },
    id,
  );
  return { model: id, inputTokens: estimatePromptTokens(messages, instructions) };
}
