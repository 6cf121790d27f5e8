import { formatTimeUntil } from '@/components/ui/format';
import type { LimitView } from '@/components/ui/limits';
import { formatLimitAmount, labelOfLimit, unitSuffixOfLimit } from '@/components/ui/limits';
import { isLimitName, limitNames, limitTable } from '@/lib/limits/limit-table';
import styles from './dashboard.module.css';

/** The order a reader scans them in: the table's (rates, concurrency, then budgets). */
const order: string[] = limitNames;

/** "1,234 of 50,000 tokens": spend is in dollars, every other limit counts requests or tokens. */
function describeUse(name: string, view: LimitView): string {
  return `${formatLimitAmount(name, view.used)} of ${formatLimitAmount(name, view.limit)}${unitSuffixOfLimit(name)}`;
}

function resetText(name: string, view: LimitView, now: number): string {
  if (isLimitName(name) && limitTable[name].kind === 'concurrency') {
    return view.used === 0
      ? 'None in flight'
      : `Oldest frees ${formatTimeUntil(Date.parse(view.resetAt), now)} at the latest`;
  }
  return `Resets ${formatTimeUntil(Date.parse(view.resetAt), now)}`;
}

function levelOf(fraction: number): 'ok' | 'high' | 'full' {
  if (fraction >= 1) return 'full';
  return fraction >= 0.8 ? 'high' : 'ok';
}

export function LimitMeter({ name, view, now }: { name: string; view: LimitView; now: number }) {
  const fraction = view.limit > 0 ? Math.min(1, view.used / view.limit) : 1;
  const used = describeUse(name, view);
  const reset = resetText(name, view, now);
  const labelId = `limit-${name}`;
  return (
    <li className={styles.limit} data-testid="limit" data-limit={name}>
      <div className={styles.limitHeading}>
        <span id={labelId} className={styles.limitName}>
          {labelOfLimit(name)}
          {view.mode === 'soft' ? ' (soft: warns, never refuses)' : ''}
        </span>
        <span className={styles.limitUsed}>{used}</span>
      </div>
      <meter
        aria-labelledby={labelId}
        aria-valuetext={`${used} used; ${reset.toLowerCase()}`}
        className={styles.meter}
        data-level={levelOf(fraction)}
        min={0}
        max={view.limit}
        value={Math.min(view.used, view.limit)}
      />
      <p className={styles.limitReset}>{reset}</p>
    </li>
  );
}

/** Every limit of the plan as a meter; a plan without limits says so. */
export function LimitMeters({ limits, now }: { limits: Record<string, LimitView>; now: number }) {
  const names = Object.keys(limits).sort(
    (a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99),
  );
  if (names.length === 0) {
    return <p className={styles.muted}>This plan has no limits.</p>;
  }
  return (
    <ul className={styles.limits}>
      {names.map((name) => {
        const view = limits[name];
        return view ? <LimitMeter key={name} name={name} view={view} now={now} /> : null;
      })}
    </ul>
  );
}
