import { chatPreflight, serveChat } from '@/lib/chat/serve-chat';
import { otherMethods } from '@/lib/http/door';
import { openAIResponsesProtocol } from '@/lib/relay/openai-responses';
import { customToolNames, responsesRequestSchema, toChatRequest } from '@/lib/responses/request';
import { toResponseObject, toResponseStream } from '@/lib/responses/response';
import { refuseWebSocket } from '@/lib/responses/websocket';

export const runtime = 'edge';

export const OPTIONS = chatPreflight;

export const GET = refuseWebSocket;

/** OpenAI Responses, for Codex, the Agents SDK and `@ai-sdk/openai` with base URL `/api/v1`. */
export const POST = serveChat({
  api: 'responses',
  schema: responsesRequestSchema,
  // OpenAI and AI Gateway targets get the body as written; the rest a translation.
  relay: openAIResponsesProtocol,
  // `metadata: { feature: 'chat' }` tags the request `feature:chat` (README: Tags).
  tagsFromMetadata: true,
  toChatRequest: (body) => toChatRequest(body),
  reply: (run, body) => {
    const options = { customTools: customToolNames(body), instructions: body.instructions ?? null };
    return body.stream ? toResponseStream(run, options) : toResponseObject(run, options);
  },
});

export const { PUT, PATCH, DELETE } = otherMethods;
