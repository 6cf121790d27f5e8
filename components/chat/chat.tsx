'use client';

import { useChat } from '@ai-sdk/react';
import { type FormEvent, useState } from 'react';
import type { ChatUIMessage } from '@/lib/chat/replies';
import styles from './chat.module.css';

function MessageText({ message }: { message: ChatUIMessage }) {
  return (
    <>
      {message.parts.map((part, index) =>
        part.type === 'text' ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: parts have no id and never reorder
          <p key={index} className={styles.text}>
            {part.text}
          </p>
        ) : null,
      )}
    </>
  );
}

function Usage({ message }: { message: ChatUIMessage }) {
  const metadata = message.metadata;
  if (!metadata) return null;
  const cost = metadata.costUsd === null ? 'no price' : `$${metadata.costUsd.toFixed(6)}`;
  return (
    <p className={styles.usage} data-testid="message-usage">
      {metadata.model} · {metadata.usage.inputTokens} in / {metadata.usage.outputTokens} out ·{' '}
      {cost}
    </p>
  );
}

/** A first chat page: the full one (model picker, Markdown, limits) replaces it. */
export function Chat() {
  const { messages, sendMessage, status, stop, error } = useChat<ChatUIMessage>();
  const [input, setInput] = useState('');
  const busy = status === 'submitted' || status === 'streaming';

  function submit(event: FormEvent) {
    event.preventDefault();
    const text = input.trim();
    if (!text || busy) return;
    sendMessage({ text });
    setInput('');
  }

  return (
    <main className={styles.page}>
      <h1 className={styles.title}>Tollgate</h1>
      <ol className={styles.messages} aria-live="polite">
        {messages.map((message) => (
          <li key={message.id} className={styles.message} data-role={message.role}>
            <MessageText message={message} />
            {message.role === 'assistant' ? <Usage message={message} /> : null}
          </li>
        ))}
      </ol>
      {error ? (
        <p role="alert" className={styles.error}>
          The answer failed. Try again.
        </p>
      ) : null}
      <form className={styles.composer} onSubmit={submit}>
        <label htmlFor="prompt" className={styles.visuallyHidden}>
          Message
        </label>
        <textarea
          id="prompt"
          value={input}
          onChange={(event) => setInput(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Enter' && !event.shiftKey) submit(event);
          }}
          placeholder="Ask something…"
          rows={2}
        />
        {busy ? (
          <button type="button" onClick={() => stop()}>
            Stop
          </button>
        ) : (
          <button type="submit">Send</button>
        )}
      </form>
    </main>
  );
}
