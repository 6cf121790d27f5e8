import { chatPreflight, serveChat } from '@/lib/chat/serve-chat';
import { replyInConversation, toConversationChatRequest } from '@/lib/conversations/chat';
import { sendMessageSchema } from '@/lib/conversations/schema';
import { otherMethods } from '@/lib/http/door';

export const runtime = 'edge';

export const OPTIONS = chatPreflight;

// The next message of a stored conversation, through the same chat pipeline as /api/chat (and
// its session cookie); both turns are stored once the answer ends.
export const POST = serveChat({
  api: 'chat',
  schema: sendMessageSchema,
  toChatRequest: toConversationChatRequest,
  reply: replyInConversation,
  sessionCookie: true,
  cacheable: false,
});

export const { GET, PUT, PATCH, DELETE } = otherMethods;
