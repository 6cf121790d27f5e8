'use client';

import { memo, useState } from 'react';
import { formatMs, formatTokens, formatUsd } from '@/components/ui/format';
import type { ChatUIMessage } from '@/lib/chat/replies';
import styles from './chat.module.css';
import { Markdown } from './markdown';

export function textOf(message: ChatUIMessage): string {
  return message.parts
    .map((part) => (part.type === 'text' ? part.text : ''))
    .join('')
    .trim();
}

/** Under an answer: what served it and what it cost; a placeholder line while it streams. */
function AnswerFooter({ message, state }: { message: ChatUIMessage; state: AnswerState }) {
  const metadata = message.metadata;
  if (state === 'streaming')
    return (
      <p className={styles.usage} aria-hidden="true">
        Streaming…
      </p>
    );
  if (!metadata)
    return <p className={styles.usage}>Stopped · partial answer (its usage is on the dashboard)</p>;
  return (
    <p className={styles.usage} data-testid="message-usage">
      <span>{metadata.model}</span>
      <span>
        {formatTokens(metadata.usage.inputTokens)} in / {formatTokens(metadata.usage.outputTokens)}{' '}
        out
      </span>
      <span>{formatUsd(metadata.costUsd)}</span>
      <span>first token {formatMs(metadata.timeToFirstTokenMs)}</span>
    </p>
  );
}

type AnswerState = 'streaming' | 'done';

function CopyButton({ text }: { text: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className={styles.smallButton}
      onClick={async () => {
        await navigator.clipboard.writeText(text).catch(() => undefined);
        setCopied(true);
        setTimeout(() => setCopied(false), 1500);
      }}
    >
      {copied ? 'Copied' : 'Copy'}
    </button>
  );
}

export const ChatMessage = memo(function ChatMessage({
  message,
  streaming,
  onRegenerate,
}: {
  message: ChatUIMessage;
  streaming: boolean;
  /** Given for the last answer only, when nothing is streaming. */
  onRegenerate?: () => void;
}) {
  const text = textOf(message);
  if (message.role === 'user') {
    return (
      <li className={styles.message} data-role="user">
        <h2 className="visually-hidden">You said</h2>
        <p className={styles.userText}>{text}</p>
      </li>
    );
  }
  return (
    <li className={styles.message} data-role="assistant" aria-busy={streaming}>
      <h2 className="visually-hidden">Answer</h2>
      <Markdown text={text} />
      <AnswerFooter message={message} state={streaming ? 'streaming' : 'done'} />
      {streaming ? null : (
        <div className={styles.actions}>
          <CopyButton text={text} />
          {onRegenerate ? (
            <button type="button" className={styles.smallButton} onClick={onRegenerate}>
              Regenerate
            </button>
          ) : null}
        </div>
      )}
    </li>
  );
});
