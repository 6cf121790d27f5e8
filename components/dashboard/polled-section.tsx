'use client';

import type { ReactNode } from 'react';
import type { Polled } from '@/components/ui/use-polled-json';
import { isMissingEndpoint } from './api';
import styles from './dashboard.module.css';
import { LoadError, Loading } from './status-notices';

/**
 * A card fed by one polled endpoint. A deployment without the endpoint (404) leaves the card
 * out rather than showing an error: teams and alerts are optional parts of the gateway.
 */
export function PolledSection<T>({
  id,
  title,
  what,
  polled,
  children,
}: {
  id: string;
  title: string;
  what: string;
  polled: Polled<T>;
  children: (data: T) => ReactNode;
}) {
  if (isMissingEndpoint(polled.error)) return null;
  return (
    <section className={styles.card} aria-labelledby={`${id}-heading`} data-testid={id}>
      <h2 id={`${id}-heading`}>{title}</h2>
      {polled.error ? (
        <LoadError error={polled.error} stale={!!polled.data} onRetry={polled.refresh} />
      ) : null}
      {polled.data !== undefined ? (
        children(polled.data)
      ) : polled.error ? null : (
        <Loading what={what} />
      )}
    </section>
  );
}
