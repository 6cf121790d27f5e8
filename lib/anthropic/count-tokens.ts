import { getConfig } from '@/lib/config';
import { toResponse } from '@/lib/errors';
import { apiResponseHeaders, identifyChatCaller } from '@/lib/gate';
import { parseRequest } from '@/lib/http/parse-request';
import { readJsonBody } from '@/lib/http/read-json';
import { countTokens, estimatePromptTokens } from '@/lib/tokens';
import { anthropicErrorBody } from './errors';
import { messagesRequestSchema, toChatRequest } from './request';

/**
 * POST /api/anthropic/v1/messages/count_tokens: the gateway's tokenizer estimate, the same one
 * budgets reserve with, for every model (no upstream call, so no admission and no usage).
 */
export async function countMessageTokens(request: Request): Promise<Response> {
  const config = getConfig();
  const headers = apiResponseHeaders(request, config, crypto.randomUUID());
  try {
    await identifyChatCaller(request, config);
    const body = parseRequest(
      messagesRequestSchema,
      await readJsonBody(request, config.maxBodyBytes),
    );
    const chatRequest = toChatRequest(body);
    const toolTokens = body.tools?.length ? countTokens(JSON.stringify(body.tools)) : 0;
    const inputTokens =
      estimatePromptTokens(chatRequest.messages, chatRequest.instructions) + toolTokens;
    return Response.json({ input_tokens: inputTokens }, { headers });
  } catch (error) {
    return toResponse(error, headers, anthropicErrorBody);
  }
}
