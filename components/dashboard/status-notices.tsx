import Link from 'next/link';
import { describeError } from '@/components/ui/api';
import styles from './dashboard.module.css';

export function Loading({ what }: { what: string }) {
  return (
    <p className={styles.loading} role="status">
      Loading {what}…
    </p>
  );
}

/**
 * A failed load. Without data it stands in for the section; with older data on screen it says
 * the numbers are stale. Either way polling keeps retrying, and the button retries now.
 */
export function LoadError({
  error,
  stale,
  onRetry,
}: {
  error: unknown;
  stale?: boolean;
  onRetry: () => void;
}) {
  return (
    <div className={styles.errorNotice} role="alert">
      <p>
        {describeError(error)}
        {stale ? ' The numbers below may be out of date.' : ''} Retrying every few seconds.
      </p>
      <button type="button" className={styles.button} onClick={onRetry}>
        Retry now
      </button>
    </div>
  );
}

export function NoRequests({ own, who = 'this user' }: { own: boolean; who?: string }) {
  return (
    <p className={styles.empty} data-testid="no-requests">
      {own ? (
        <>
          No requests yet — <Link href="/">send one from the chat page</Link>.
        </>
      ) : (
        `No requests from ${who} in this period.`
      )}
    </p>
  );
}
