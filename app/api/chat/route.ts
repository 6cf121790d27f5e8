import { chatBodySchema, toChatRequest } from '@/lib/chat/chat-request';
import { toJsonReply, toUIMessageStreamReply } from '@/lib/chat/replies';
import { serveChat } from '@/lib/chat/serve-chat';

export const runtime = 'edge';

export const POST = serveChat({
  schema: chatBodySchema,
  toChatRequest,
  reply: (run, body) => (body.stream === false ? toJsonReply(run) : toUIMessageStreamReply(run)),
});
