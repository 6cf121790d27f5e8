import { z } from 'zod';
import { conversationLimits as limits } from './limits';

const metadata = z
  .record(z.string().min(1).max(limits.metadataKeyChars), z.string().max(limits.metadataValueChars))
  .refine((value) => Object.keys(value).length <= limits.metadataKeys, {
    message: `at most ${limits.metadataKeys} keys`,
  });

const fields = {
  title: z.string().trim().min(1).max(limits.titleChars),
  systemPrompt: z.string().max(limits.systemPromptChars),
  model: z.string().min(1).max(200),
  metadata,
};

/** POST /api/conversations. */
export const createConversationSchema = z.strictObject({
  title: fields.title.optional(),
  systemPrompt: fields.systemPrompt.optional(),
  model: fields.model.optional(),
  metadata: metadata.optional(),
});

/** PATCH /api/conversations/{id}: the fields to change; `null` clears an optional one. */
export const updateConversationSchema = z
  .strictObject({
    title: fields.title.optional(),
    systemPrompt: fields.systemPrompt.nullable().optional(),
    model: fields.model.nullable().optional(),
    metadata: metadata.nullable().optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, { message: 'nothing to change' });

/** GET /api/conversations. */
export const listConversationsSchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(limits.maxPageSize).optional(),
  cursor: z.string().min(1).max(100).optional(),
});

/**
 * POST /api/conversations/{id}/messages: the next user message (its length is checked after
 * parsing: too long is a 413), or `regenerate` to answer the last user message again.
 */
export const sendMessageSchema = z
  .strictObject({
    content: z.string().optional(),
    regenerate: z.boolean().optional(),
    stream: z.boolean().optional(),
    model: fields.model.optional(),
    maxOutputTokens: z.number().int().positive().optional(),
    temperature: z.number().min(0).max(2).optional(),
  })
  .refine((body) => (body.regenerate === true) !== (body.content !== undefined), {
    message: 'send `content`, or `regenerate: true` (not both)',
    path: ['content'],
  })
  .refine((body) => body.content === undefined || body.content.trim().length > 0, {
    message: 'must not be empty',
    path: ['content'],
  });

export type SendMessageBody = z.infer<typeof sendMessageSchema>;
