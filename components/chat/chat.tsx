'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import { describeError, type SessionInfo } from '@/components/ui/api';
import type { LimitsReport } from '@/components/ui/limits';
import { usePolledJson } from '@/components/ui/use-polled-json';
import type { ChatUIMessage } from '@/lib/chat/replies';
import { BudgetMeter } from './budget-meter';
import styles from './chat.module.css';
import { ConversationList } from './conversation-list';
import {
  type ConversationSummary,
  createConversation,
  deleteConversation,
  listConversations,
  openConversation,
  renameConversation,
  titleOf,
  toUIMessages,
} from './conversation-store';
import { ConversationView } from './conversation-view';
import { type ModelCatalog, ModelPicker } from './model-picker';

const modelStorageKey = 'tollgate:model';

/**
 * The conversation on screen. `server` is shared with its view's transport, which asks it for the
 * id at each send: a new chat gets one (created with its first question) without remounting.
 */
interface OpenView {
  key: string;
  messages: ChatUIMessage[];
  server: { id?: string; creating?: Promise<string> };
}

let newChats = 0;
const newView = (): OpenView => ({ key: `new-${++newChats}`, messages: [], server: {} });

/** The chat page: conversations, model picker, budget meter and the conversation itself. */
export function Chat() {
  const session = usePolledJson<SessionInfo>('/api/session', 60_000);
  const userId = session.data?.userId;
  // Availability changes as circuits open and close; limits move with every answer (and refresh
  // at once when one ends).
  const catalog = usePolledJson<ModelCatalog>('/api/models', 60_000);
  const limits = usePolledJson<LimitsReport>('/api/limits', 15_000);
  const [conversations, setConversations] = useState<ConversationSummary[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [view, setView] = useState<OpenView>();
  const [activeId, setActiveId] = useState<string>();
  const [failure, setFailure] = useState<unknown>();
  const [model, setModel] = useState<string>();

  const refreshList = useCallback(async () => {
    const page = await listConversations();
    setConversations(page.conversations);
    setNextCursor(page.nextCursor);
    return page;
  }, []);

  // Only the latest choice is shown: an earlier one still loading is dropped when it arrives.
  const latestChoice = useRef(0);
  const open = useCallback(async (id: string) => {
    const choice = ++latestChoice.current;
    try {
      const conversation = await openConversation(id);
      if (choice !== latestChoice.current) return;
      setFailure(undefined);
      setActiveId(id);
      setView({ key: id, messages: toUIMessages(conversation), server: { id } });
    } catch (error) {
      if (choice !== latestChoice.current) return;
      setFailure(error);
      // Gone meanwhile (deleted in another browser, say): a new chat rather than nothing.
      setView((current) => current ?? newView());
    }
  }, []);

  const startNew = useCallback(() => {
    latestChoice.current++;
    setActiveId(undefined);
    setView(newView());
  }, []);

  useEffect(() => {
    if (!userId) return;
    refreshList()
      .then((page) => {
        const latest = page.conversations[0];
        if (latest) return open(latest.id);
        startNew();
      })
      .catch((error: unknown) => {
        setFailure(error);
        startNew();
      });
  }, [userId, refreshList, open, startNew]);

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

  /** The server id of a view, creating the conversation from its first question if needed. */
  const conversationIdOf = (server: OpenView['server']) => async (question: string) => {
    if (server.id) return server.id;
    server.creating ??= createConversation(titleOf(question)).then(
      (created) => {
        server.id = created.id;
        setActiveId(created.id);
        setConversations((current) => [created, ...current]);
        return created.id;
      },
      (error: unknown) => {
        server.creating = undefined;
        throw error;
      },
    );
    return server.creating;
  };

  const answerEnded = () => {
    limits.refresh();
    refreshList().catch(setFailure);
  };

  async function rename(id: string, title: string) {
    try {
      const renamed = await renameConversation(id, title);
      setConversations((current) =>
        current.map((entry) => (entry.id === id ? { ...entry, title: renamed.title } : entry)),
      );
      await refreshList();
    } catch (error) {
      setFailure(error);
    }
  }

  async function remove(id: string) {
    try {
      await deleteConversation(id);
      const page = await refreshList();
      const next = page.conversations[0];
      if (id !== activeId) return;
      if (next) await open(next.id);
      else startNew();
    } catch (error) {
      setFailure(error);
    }
  }

  async function showMore() {
    try {
      const page = await listConversations(nextCursor);
      setConversations((current) => [
        ...current,
        ...page.conversations.filter((entry) => !current.some((known) => known.id === entry.id)),
      ]);
      setNextCursor(page.nextCursor);
    } catch (error) {
      setFailure(error);
    }
  }

  function createChat() {
    if (view && !view.server.id && !view.server.creating) return;
    startNew();
  }

  return (
    <div className={styles.layout}>
      <ConversationList
        conversations={conversations}
        activeId={activeId}
        hasMore={nextCursor !== null}
        onSelect={open}
        onCreate={createChat}
        onRename={rename}
        onDelete={remove}
        onShowMore={showMore}
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
        {failure !== undefined ? (
          <div role="alert" className={styles.notice} data-testid="conversations-error">
            <p>Your conversations could not be loaded or changed. {describeError(failure)}</p>
            <button
              type="button"
              className={styles.smallButton}
              onClick={() => setFailure(undefined)}
            >
              Dismiss
            </button>
          </div>
        ) : null}
        {view ? (
          <ConversationView
            key={view.key}
            chatId={view.key}
            initialMessages={view.messages}
            conversationId={conversationIdOf(view.server)}
            model={model}
            onAnswerEnd={answerEnded}
          />
        ) : (
          <p className={styles.loading}>Loading your conversations…</p>
        )}
      </main>
    </div>
  );
}
