'use client';

import { useChat } from '@ai-sdk/react';
import { type FormEvent, type KeyboardEvent, useMemo, useState } from 'react';
import { ApiError } from '@/components/ui/api';
import type { ChatUIMessage } from '@/lib/chat/replies';
import styles from './chat.module.css';
import { ChatErrorNotice } from './chat-error-notice';
import { ChatMessage, textOf } from './chat-message';
import { createConversationTransport } from './chat-transport';

/**
 * One conversation: its messages, the composer, and what went wrong if anything did. The server
 * keeps the turns (each send goes to the conversation's messages endpoint); a new chat has no id
 * until its first question creates it.
 */
export function ConversationView({
  chatId,
  initialMessages,
  conversationId,
  model,
  onAnswerEnd,
}: {
  /** Stable for the life of the view, also while a new chat gets its server id. */
  chatId: string;
  initialMessages: ChatUIMessage[];
  /** The conversation's id on the server, created from the first question when it has none. */
  conversationId: (question: string) => Promise<string>;
  model: string | undefined;
  /** An answer ended (finished, stopped or failed): limits and the list have moved. */
  onAnswerEnd: () => void;
}) {
  // biome-ignore lint/correctness/useExhaustiveDependencies: one transport per view; the callback reads the latest id itself
  const transport = useMemo(() => createConversationTransport(conversationId), []);
  const [input, setInput] = useState('');
  const [waiting, setWaiting] = useState(false);
  const { messages, setMessages, sendMessage, regenerate, stop, status, error, clearError } =
    useChat<ChatUIMessage>({
      id: chatId,
      messages: initialMessages,
      transport,
      onFinish: onAnswerEnd,
      onError: (failure) => {
        // Refused before any answer: take the question back into the composer to send again.
        if (failure instanceof ApiError) {
          setMessages((current) => {
            const last = current.at(-1);
            if (last?.role !== 'user') return current;
            setInput(textOf(last));
            return current.slice(0, -1);
          });
        }
        onAnswerEnd();
      },
    });
  const busy = status === 'submitted' || status === 'streaming';
  const body = model ? { model } : undefined;

  function send(text: string) {
    const question = text.trim();
    if (!question || busy || waiting) return;
    clearError();
    setInput('');
    sendMessage({ text: question }, { body });
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    send(input);
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      send(input);
    }
  }

  function retry() {
    if (error instanceof ApiError) {
      send(input);
      return;
    }
    clearError();
    regenerate({ body });
  }

  const lastAnswerId = messages.findLast((message) => message.role === 'assistant')?.id;
  const streamingId = status === 'streaming' ? messages.at(-1)?.id : undefined;

  return (
    <div className={styles.conversation}>
      {messages.length === 0 ? (
        <div className={styles.empty}>
          <p>Ask anything. The answer streams in as it is written, with its tokens and cost.</p>
        </div>
      ) : (
        <ol className={styles.messages} aria-label="Conversation">
          {messages.map((message) => (
            <ChatMessage
              key={message.id}
              message={message}
              streaming={message.id === streamingId}
              onRegenerate={
                !busy && message.id === lastAnswerId
                  ? () => {
                      clearError();
                      regenerate({ body });
                    }
                  : undefined
              }
            />
          ))}
          {status === 'submitted' ? (
            <li className={styles.message} data-role="pending" aria-live="polite">
              <p className={styles.usage}>Waiting for the first token…</p>
            </li>
          ) : null}
        </ol>
      )}
      <div aria-live="polite" className={styles.noticeSlot}>
        {error ? (
          <ChatErrorNotice error={error} onRetry={retry} onCountdownChange={setWaiting} />
        ) : null}
      </div>
      <form className={styles.composer} onSubmit={submit}>
        <label htmlFor="prompt" className="visually-hidden">
          Message
        </label>
        <textarea
          id="prompt"
          value={input}
          onChange={(event) => setInput(event.target.value)}
          onKeyDown={onKeyDown}
          placeholder="Ask something… (Enter to send, Shift+Enter for a new line)"
          rows={2}
        />
        {busy ? (
          <button type="button" className={styles.stop} onClick={() => stop()}>
            Stop
          </button>
        ) : (
          <button
            type="submit"
            className={styles.send}
            disabled={waiting || !input.trim() || !model}
          >
            Send
          </button>
        )}
      </form>
    </div>
  );
}
