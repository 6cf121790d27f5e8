import { chatBodySchema, toChatRequest } from '@/lib/chat/chat-request';
import { toJsonReply, toUIMessageStreamReply } from '@/lib/chat/replies';
import { chatPreflight, serveChat } from '@/lib/chat/serve-chat';

export const runtime = 'edge';

export const OPTIONS = chatPreflight;

export const POST = serveChat({
  api: 'chat',
  schema: chatBodySchema,
  toChatRequest,
  reply: (run, body) => (body.stream === false ? toJsonReply(run) : toUIMessageStreamReply(run)),
});
