import { DefaultChatTransport } from 'ai';
import { toApiError } from '@/components/ui/api';
import type { ChatUIMessage } from '@/lib/chat/replies';
import { textOf } from './chat-message';

/**
 * useChat turns a non-2xx reply into an Error whose message is the raw body; this fetch throws
 * an `ApiError` instead (code, status, Retry-After), so the page can show a countdown or a
 * budget notice, never raw JSON.
 */
async function fetchChat(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const response = await fetch(input, init);
  if (!response.ok) throw await toApiError(response);
  return response;
}

/**
 * Sends each message of one conversation to `/api/conversations/{id}/messages`, which keeps both
 * turns on the server: only the new question travels (or `regenerate`), never the history.
 * `conversationId` is asked for at each send: a new chat is created on the server by its first
 * question.
 */
export function createConversationTransport(conversationId: (question: string) => Promise<string>) {
  return new DefaultChatTransport<ChatUIMessage>({
    fetch: fetchChat,
    prepareSendMessagesRequest: async ({ messages, trigger, body }) => {
      const question = messages.findLast((message) => message.role === 'user');
      const content = question ? textOf(question) : '';
      const id = await conversationId(content);
      return {
        api: `/api/conversations/${encodeURIComponent(id)}/messages`,
        body:
          trigger === 'regenerate-message' ? { ...body, regenerate: true } : { ...body, content },
      };
    },
  });
}
