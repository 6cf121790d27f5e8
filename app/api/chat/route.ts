import { chatBodySchema, toChatRequest } from '@/lib/chat/chat-request';
import { toJsonReply, toUIMessageStreamReply } from '@/lib/chat/replies';
import { chatPreflight, serveChat } from '@/lib/chat/serve-chat';
import { otherMethods } from '@/lib/http/door';

export const runtime = 'edge';

export const OPTIONS = chatPreflight;

// The web UI's endpoint: its session cookie (guest or signed in) is accepted here.
export const POST = serveChat({
  api: 'chat',
  schema: chatBodySchema,
  toChatRequest,
  reply: (run, body) => (body.stream === false ? toJsonReply(run) : toUIMessageStreamReply(run)),
  sessionCookie: true,
});

export const { GET, PUT, PATCH, DELETE } = otherMethods;
