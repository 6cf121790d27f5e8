'use client';

import Link from 'next/link';
import { useEffect, useState } from 'react';
import { ApiError } from '@/components/ui/api';
import styles from './chat.module.css';

/** Seconds left of a `Retry-After`, ticking down to zero. */
function useCountdown(seconds: number | undefined): number {
  const [endsAt] = useState(() => Date.now() + (seconds ?? 0) * 1000);
  const [left, setLeft] = useState(seconds ?? 0);
  useEffect(() => {
    if (!seconds) return;
    const timer = setInterval(() => {
      const remaining = Math.max(0, Math.ceil((endsAt - Date.now()) / 1000));
      setLeft(remaining);
      if (remaining === 0) clearInterval(timer);
    }, 250);
    return () => clearInterval(timer);
  }, [endsAt, seconds]);
  return left;
}

function describeFailure(error: Error, requestError: ApiError | undefined): string {
  // A fetch that never got an answer rejects with a TypeError.
  if (error instanceof TypeError) return 'Tollgate cannot be reached. Check your connection.';
  if (!requestError) return `The answer stopped: ${error.message}`;
  if (requestError.status >= 500) return `The model’s provider failed: ${error.message}`;
  return `The gateway refused the message: ${error.message}`;
}

/**
 * What went wrong, in words: a countdown for a rate limit, a pointer to the dashboard for a
 * spent budget, a retry for a provider failure. Never the raw response body.
 */
export function ChatErrorNotice({
  error,
  onRetry,
  onCountdownChange,
}: {
  error: Error;
  onRetry: () => void;
  /** Whether sending must wait; the composer stays disabled until the countdown ends. */
  onCountdownChange: (waiting: boolean) => void;
}) {
  const requestError = error instanceof ApiError ? error : undefined;
  const left = useCountdown(requestError?.retryAfterSeconds);
  const waiting = requestError?.status === 429 && left > 0;
  useEffect(() => onCountdownChange(waiting), [waiting, onCountdownChange]);

  if (requestError?.status === 429) {
    return (
      <div role="alert" className={styles.notice} data-testid="chat-error" data-kind="rate-limited">
        {waiting ? (
          <p>
            {requestError.code === 'concurrency_limited'
              ? 'Too many answers are streaming at once.'
              : 'You have reached the per-minute limit.'}{' '}
            You can send again in <strong data-testid="retry-countdown">{left}</strong> s.
          </p>
        ) : (
          <p>You can send again now.</p>
        )}
        <button type="button" className={styles.smallButton} onClick={onRetry} disabled={waiting}>
          Send again
        </button>
      </div>
    );
  }
  if (requestError?.status === 402) {
    return (
      <div role="alert" className={styles.notice} data-testid="chat-error" data-kind="budget">
        <p>
          Your budget for this period is used up, so this message was not sent.{' '}
          <Link href="/dashboard">See your usage and limits on the dashboard</Link>.
        </p>
      </div>
    );
  }
  return (
    <div role="alert" className={styles.notice} data-testid="chat-error" data-kind="failed">
      <p>{describeFailure(error, requestError)}</p>
      <button type="button" className={styles.smallButton} onClick={onRetry}>
        Retry
      </button>
    </div>
  );
}
