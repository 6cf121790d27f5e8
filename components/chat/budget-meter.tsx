'use client';

import { formatTimeUntil } from '@/components/ui/format';
import {
  budgetLimitNames,
  formatLimitAmount,
  type LimitsReport,
  labelOfLimit,
} from '@/components/ui/limits';
import styles from './chat.module.css';

/** The plan's main budget, used and remaining, from `GET /api/limits`. */
export function BudgetMeter({ report, failed }: { report?: LimitsReport; failed: boolean }) {
  if (!report) {
    return (
      <p className={styles.budget} data-testid="budget-meter">
        {failed ? 'Limits unavailable right now.' : 'Loading limits…'}
      </p>
    );
  }
  const name = budgetLimitNames.find((candidate) => report.limits[candidate]);
  const budget = name ? report.limits[name] : undefined;
  const minute = report.limits.requestsPerMinute;
  return (
    <div className={styles.budget} data-testid="budget-meter">
      {name && budget ? (
        <>
          <span id="budget-label">
            {labelOfLimit(name)}: {formatLimitAmount(name, budget.used)} of{' '}
            {formatLimitAmount(name, budget.limit)} ({formatLimitAmount(name, budget.remaining)}{' '}
            left, resets {formatTimeUntil(Date.parse(budget.resetAt), Date.now())})
          </span>
          <meter
            aria-labelledby="budget-label"
            min={0}
            max={budget.limit}
            value={Math.min(budget.used, budget.limit)}
            low={budget.limit * 0.75}
            high={budget.limit * 0.9}
            optimum={0}
          />
        </>
      ) : (
        <span>No budget on the {report.plan} plan.</span>
      )}
      {minute ? (
        <span className={styles.rate}>
          {minute.remaining} of {minute.limit} requests left this minute
        </span>
      ) : null}
    </div>
  );
}
