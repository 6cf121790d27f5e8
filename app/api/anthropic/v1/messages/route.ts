import { anthropicErrorBody } from '@/lib/anthropic/errors';
import { messagesRequestSchema, toChatRequest } from '@/lib/anthropic/request';
import { toMessage, toMessageStream } from '@/lib/anthropic/response';
import { chatPreflight, serveChat } from '@/lib/chat/serve-chat';
import { otherMethodsIn } from '@/lib/http/door';
import { anthropicMessagesProtocol } from '@/lib/relay/anthropic-messages';

export const runtime = 'edge';

export const OPTIONS = chatPreflight;

/** Anthropic Messages, for `ANTHROPIC_BASE_URL=https://<app>/api/anthropic` (Claude Code, SDKs). */
export const POST = serveChat({
  api: 'anthropic',
  schema: messagesRequestSchema,
  // Anthropic and AI Gateway targets get the body as written; the rest a translation.
  relay: anthropicMessagesProtocol,
  toChatRequest: (body) => toChatRequest(body),
  reply: (run, body) => (body.stream ? toMessageStream(run) : toMessage(run)),
  errorBody: anthropicErrorBody,
});

export const { GET, PUT, PATCH, DELETE } = otherMethodsIn(anthropicErrorBody);
