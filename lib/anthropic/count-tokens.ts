import { checkKeyModel } from '@/lib/auth/key-policy';
import { catalogIdOf } from '@/lib/config';
import { handle } from '@/lib/http/door';
import { countTokens, estimatePromptTokens } from '@/lib/tokens';
import { anthropicErrorBody } from './errors';
import { messagesRequestSchema, toChatRequest } from './request';

/**
 * POST /api/anthropic/v1/messages/count_tokens: the gateway's tokenizer estimate, the same one
 * budgets reserve with, for every model (no upstream call, so no admission and no usage).
 */
export const countMessageTokens = handle(
  {
    access: 'user',
    body: messagesRequestSchema,
    sessionCookie: false,
    errorBody: anthropicErrorBody,
  },
  ({ body, config, identity }) => {
    const chatRequest = toChatRequest(body);
    checkKeyModel(identity, catalogIdOf(config, chatRequest.model));
    const toolTokens = body.tools?.length ? countTokens(JSON.stringify(body.tools)) : 0;
    const inputTokens =
      estimatePromptTokens(chatRequest.messages, chatRequest.instructions) + toolTokens;
    return Response.json({ input_tokens: inputTokens });
  },
);
