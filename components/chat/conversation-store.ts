import { ApiError, requestJson, toApiError } from '@/components/ui/api';
import type { ChatUIMessage } from '@/lib/chat/replies';
import type {
  Conversation,
  ConversationMessage,
  ConversationPage,
  ConversationSummary,
} from '@/lib/conversations/store';

export type { Conversation, ConversationSummary };

/** Conversations live on the server (/api/conversations), owned by the signed-in user or guest. */
const base = '/api/conversations';

/** How many the list shows before "Show more". */
const pageSize = 30;

export function listConversations(cursor?: string | null): Promise<ConversationPage> {
  const query = new URLSearchParams({ limit: String(pageSize) });
  if (cursor) query.set('cursor', cursor);
  return requestJson<ConversationPage>(`${base}?${query}`);
}

export function openConversation(id: string): Promise<Conversation> {
  return requestJson<Conversation>(`${base}/${encodeURIComponent(id)}`);
}

export function createConversation(title: string): Promise<Conversation> {
  return requestJson<Conversation>(base, { method: 'POST', body: JSON.stringify({ title }) });
}

export function renameConversation(id: string, title: string): Promise<Conversation> {
  return requestJson<Conversation>(`${base}/${encodeURIComponent(id)}`, {
    method: 'PATCH',
    body: JSON.stringify({ title }),
  });
}

export async function deleteConversation(id: string): Promise<void> {
  let response: Response;
  try {
    response = await fetch(`${base}/${encodeURIComponent(id)}`, {
      method: 'DELETE',
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError(0, 'network_error', 'Tollgate cannot be reached. Check your connection.');
  }
  if (!response.ok) throw await toApiError(response);
}

/** The stored turns as `useChat` messages; a finished answer keeps its usage line. */
export function toUIMessages(conversation: Conversation): ChatUIMessage[] {
  return conversation.messages.map((message: ConversationMessage, index) => ({
    id: `${conversation.id}-${index}`,
    role: message.role,
    parts: [{ type: 'text', text: message.content }],
    metadata:
      message.answer?.ending === 'finished'
        ? {
            model: message.answer.model,
            provider: message.answer.provider,
            usage: message.answer.usage,
            costUsd: message.answer.costUsd,
            timeToFirstTokenMs: message.answer.timeToFirstTokenMs,
          }
        : undefined,
  }));
}

/** The first words of the first question. */
export function titleOf(text: string): string {
  const title = text.trim().replace(/\s+/g, ' ').slice(0, 60);
  return title || 'New chat';
}
