import { formatTokens, formatUsd } from '@/components/ui/format';
import type { UsageOverview } from './api';
import styles from './dashboard.module.css';

/** The deployment's totals for the period, with what the response cache saved. */
export function OverviewTotals({ totals }: { totals: UsageOverview['totals'] }) {
  const figures = [
    { label: 'Requests', value: formatTokens(totals.requests), testId: 'requests' },
    { label: 'Input tokens', value: formatTokens(totals.inputTokens), testId: 'input-tokens' },
    { label: 'Output tokens', value: formatTokens(totals.outputTokens), testId: 'output-tokens' },
    { label: 'Spend', value: formatUsd(totals.costUsd), testId: 'cost' },
    {
      label: 'Served from cache',
      value: formatTokens(totals.cachedRequests),
      testId: 'cached-requests',
    },
    { label: 'Saved by the cache', value: formatUsd(totals.savedUsd), testId: 'saved' },
  ];
  return (
    <dl className={styles.totals}>
      {figures.map((figure) => (
        <div key={figure.testId} className={styles.total}>
          <dt>{figure.label}</dt>
          <dd data-testid={`overview-total-${figure.testId}`}>{figure.value}</dd>
        </div>
      ))}
    </dl>
  );
}
