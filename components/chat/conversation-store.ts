import type { ChatUIMessage } from '@/lib/chat/replies';

export interface Conversation {
  id: string;
  title: string;
  /** Epoch ms of the last change; the list shows the newest first. */
  updatedAt: number;
  messages: ChatUIMessage[];
}

/** Older conversations are dropped beyond this, so browser storage stays small. */
const maxConversations = 30;

function storageKey(userId: string) {
  return `tollgate:conversations:${userId}`;
}

/** Conversations live in this browser only, one list per user so signing in switches lists. */
export function loadConversations(userId: string): Conversation[] {
  try {
    const stored = JSON.parse(localStorage.getItem(storageKey(userId)) ?? '[]');
    return Array.isArray(stored) ? (stored as Conversation[]) : [];
  } catch {
    return [];
  }
}

export function saveConversations(userId: string, conversations: Conversation[]): void {
  const kept = [...conversations]
    .filter((conversation) => conversation.messages.length > 0)
    .sort((a, b) => b.updatedAt - a.updatedAt)
    .slice(0, maxConversations);
  try {
    localStorage.setItem(storageKey(userId), JSON.stringify(kept));
  } catch {
    // Storage full or disabled: the conversation still works, it just won't survive a reload.
  }
}

export function newConversation(): Conversation {
  return { id: crypto.randomUUID(), title: 'New chat', updatedAt: Date.now(), messages: [] };
}

/** The first words of the first question. */
export function titleOf(messages: ChatUIMessage[]): string {
  const first = messages.find((message) => message.role === 'user');
  const text = first?.parts.find((part) => part.type === 'text')?.text.trim() ?? '';
  return text ? text.replace(/\s+/g, ' ').slice(0, 60) : 'New chat';
}
