'use client';

import { useCallback, useEffect, useState } from 'react';
import { describeError, type SessionInfo } from '@/components/ui/api';
import type { LimitsReport } from '@/components/ui/limits';
import { usePolledJson } from '@/components/ui/use-polled-json';
import type { ChatUIMessage } from '@/lib/chat/replies';
import { BudgetMeter } from './budget-meter';
import styles from './chat.module.css';
import {
  type Conversation,
  loadConversations,
  newConversation,
  saveConversations,
  titleOf,
} from './conversation-store';
import { ConversationView } from './conversation-view';
import { type ModelCatalog, ModelPicker } from './model-picker';

const modelStorageKey = 'tollgate:model';

function ConversationList({
  conversations,
  activeId,
  onSelect,
  onCreate,
}: {
  conversations: Conversation[];
  activeId: string | undefined;
  onSelect: (id: string) => void;
  onCreate: () => void;
}) {
  return (
    <nav className={styles.sidebar} aria-label="Conversations">
      <button type="button" className={styles.newChat} onClick={onCreate}>
        New chat
      </button>
      <ul>
        {[...conversations]
          .sort((a, b) => b.updatedAt - a.updatedAt)
          .map((conversation) => (
            <li key={conversation.id}>
              <button
                type="button"
                aria-current={conversation.id === activeId ? 'true' : undefined}
                onClick={() => onSelect(conversation.id)}
              >
                {conversation.title}
              </button>
            </li>
          ))}
      </ul>
    </nav>
  );
}

/** The chat page: conversations, model picker, budget meter and the conversation itself. */
export function Chat() {
  const session = usePolledJson<SessionInfo>('/api/session', 60_000);
  const userId = session.data?.userId;
  // Availability changes as circuits open and close; limits move with every answer (and refresh
  // at once when one ends).
  const catalog = usePolledJson<ModelCatalog>('/api/models', 60_000);
  const limits = usePolledJson<LimitsReport>('/api/limits', 15_000);
  const [conversations, setConversations] = useState<Conversation[]>([]);
  const [activeId, setActiveId] = useState<string>();
  const [model, setModel] = useState<string>();

  useEffect(() => {
    if (!userId) return;
    const stored = loadConversations(userId);
    const first = stored[0] ?? newConversation();
    setConversations(stored.length > 0 ? stored : [first]);
    setActiveId(first.id);
  }, [userId]);

  useEffect(() => {
    if (!catalog.data || model) return;
    const remembered = localStorage.getItem(modelStorageKey);
    const known = catalog.data.models.some((entry) => entry.id === remembered);
    setModel(known && remembered ? remembered : catalog.data.defaultModel);
  }, [catalog.data, model]);

  const chooseModel = (modelId: string) => {
    setModel(modelId);
    localStorage.setItem(modelStorageKey, modelId);
  };

  const updateMessages = useCallback(
    (messages: ChatUIMessage[]) => {
      if (!userId || !activeId) return;
      setConversations((current) => {
        const existing = current.find((conversation) => conversation.id === activeId);
        // Switching to a conversation hands back what it was given: not a change.
        if (!existing || JSON.stringify(existing.messages) === JSON.stringify(messages))
          return current;
        const updated = { ...existing, messages, title: titleOf(messages), updatedAt: Date.now() };
        const next = current.map((conversation) =>
          conversation.id === activeId ? updated : conversation,
        );
        saveConversations(userId, next);
        return next;
      });
    },
    [userId, activeId],
  );

  function createConversation() {
    const empty = conversations.find((conversation) => conversation.messages.length === 0);
    const conversation = empty ?? newConversation();
    if (!empty) setConversations((current) => [conversation, ...current]);
    setActiveId(conversation.id);
  }

  const active = conversations.find((conversation) => conversation.id === activeId);

  return (
    <div className={styles.layout}>
      <ConversationList
        conversations={conversations}
        activeId={activeId}
        onSelect={setActiveId}
        onCreate={createConversation}
      />
      <main id="main" className={styles.main}>
        <h1 className="visually-hidden">Chat</h1>
        <div className={styles.toolbar}>
          <ModelPicker catalog={catalog.data} value={model} onChange={chooseModel} />
          <BudgetMeter report={limits.data} failed={limits.error !== undefined} />
        </div>
        {catalog.error !== undefined && !catalog.data ? (
          <div role="alert" className={styles.notice}>
            <p>The model list could not be loaded. {describeError(catalog.error)}</p>
            <button type="button" className={styles.smallButton} onClick={catalog.refresh}>
              Try again
            </button>
          </div>
        ) : null}
        {session.error !== undefined && !session.data ? (
          <div role="alert" className={styles.notice}>
            <p>{describeError(session.error)}</p>
          </div>
        ) : null}
        {active ? (
          <ConversationView
            key={active.id}
            conversation={active}
            model={model}
            onMessagesChange={updateMessages}
            onAnswerEnd={limits.refresh}
          />
        ) : (
          <p className={styles.loading}>Loading your conversations…</p>
        )}
      </main>
    </div>
  );
}
