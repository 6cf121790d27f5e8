import { formatTokens, formatUsd } from '@/components/ui/format';
import type { UsageReport } from './api';
import styles from './dashboard.module.css';

export function UsageTotals({ totals }: { totals: UsageReport['totals'] }) {
  const figures = [
    { label: 'Requests', value: formatTokens(totals.requests), testId: 'total-requests' },
    {
      label: 'Input tokens',
      value: formatTokens(totals.inputTokens),
      testId: 'total-input-tokens',
    },
    {
      label: 'Output tokens',
      value: formatTokens(totals.outputTokens),
      testId: 'total-output-tokens',
    },
    { label: 'Spend', value: formatUsd(totals.costUsd), testId: 'total-cost' },
  ];
  return (
    <dl className={styles.totals}>
      {figures.map((figure) => (
        <div key={figure.testId} className={styles.total}>
          <dt>{figure.label}</dt>
          <dd data-testid={figure.testId}>{figure.value}</dd>
        </div>
      ))}
    </dl>
  );
}
