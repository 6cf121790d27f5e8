'use client';

import { type FormEvent, useState } from 'react';
import styles from './chat.module.css';
import type { ConversationSummary } from './conversation-store';

/** The sidebar: new chat, the conversations (newest first), rename and delete for the open one. */
export function ConversationList({
  conversations,
  activeId,
  hasMore,
  onSelect,
  onCreate,
  onRename,
  onDelete,
  onShowMore,
}: {
  conversations: ConversationSummary[];
  activeId: string | undefined;
  hasMore: boolean;
  onSelect: (id: string) => void;
  onCreate: () => void;
  onRename: (id: string, title: string) => Promise<void>;
  onDelete: (id: string) => Promise<void>;
  onShowMore: () => void;
}) {
  const [renaming, setRenaming] = useState<string>();
  const [confirmingDelete, setConfirmingDelete] = useState<string>();
  const [draft, setDraft] = useState('');

  async function submitRename(event: FormEvent, id: string) {
    event.preventDefault();
    const title = draft.trim();
    if (title) await onRename(id, title);
    setRenaming(undefined);
  }

  return (
    <nav className={styles.sidebar} aria-label="Conversations">
      <button type="button" className={styles.newChat} onClick={onCreate}>
        New chat
      </button>
      <ul>
        {conversations.map((conversation) => {
          const active = conversation.id === activeId;
          if (renaming === conversation.id) {
            return (
              <li key={conversation.id}>
                <form
                  className={styles.renameForm}
                  aria-label="Rename conversation"
                  onSubmit={(event) => submitRename(event, conversation.id)}
                >
                  <label htmlFor="conversation-title" className="visually-hidden">
                    Conversation title
                  </label>
                  <input
                    id="conversation-title"
                    value={draft}
                    maxLength={200}
                    onChange={(event) => setDraft(event.target.value)}
                    onKeyDown={(event) => {
                      if (event.key === 'Escape') setRenaming(undefined);
                    }}
                    // biome-ignore lint/a11y/noAutofocus: the field appears because the user asked to rename
                    autoFocus
                  />
                  <div className={styles.itemActions}>
                    <button type="submit">Save</button>
                    <button type="button" onClick={() => setRenaming(undefined)}>
                      Cancel
                    </button>
                  </div>
                </form>
              </li>
            );
          }
          return (
            <li key={conversation.id}>
              <button
                type="button"
                aria-current={active ? 'true' : undefined}
                onClick={() => onSelect(conversation.id)}
              >
                {conversation.title}
              </button>
              {active ? (
                <div className={styles.itemActions}>
                  {confirmingDelete === conversation.id ? (
                    <>
                      <button
                        type="button"
                        className={styles.danger}
                        onClick={async () => {
                          setConfirmingDelete(undefined);
                          await onDelete(conversation.id);
                        }}
                      >
                        Yes, delete
                      </button>
                      <button type="button" onClick={() => setConfirmingDelete(undefined)}>
                        Keep
                      </button>
                    </>
                  ) : (
                    <>
                      <button
                        type="button"
                        aria-label={`Rename “${conversation.title}”`}
                        onClick={() => {
                          setDraft(conversation.title);
                          setRenaming(conversation.id);
                        }}
                      >
                        Rename
                      </button>
                      <button
                        type="button"
                        aria-label={`Delete “${conversation.title}”`}
                        onClick={() => setConfirmingDelete(conversation.id)}
                      >
                        Delete
                      </button>
                    </>
                  )}
                </div>
              ) : null}
            </li>
          );
        })}
      </ul>
      {hasMore ? (
        <button type="button" className={styles.showMore} onClick={onShowMore}>
          Show more
        </button>
      ) : null}
    </nav>
  );
}
