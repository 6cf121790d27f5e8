import { formatTimeUntil, formatTokens, formatUsd } from '@/components/ui/format';
import type { LimitView } from './api';
import styles from './dashboard.module.css';

interface LimitKind {
  label: string;
  format: (value: number) => string;
  unit: string;
}

const requests = (value: number) => formatTokens(value);

/** Names in the order a reader scans them: rates, concurrency, then budgets. */
const limitKinds: Record<string, LimitKind> = {
  requestsPerMinute: { label: 'Requests per minute', format: requests, unit: 'requests' },
  requestsPerDay: { label: 'Requests per day', format: requests, unit: 'requests' },
  concurrentRequests: { label: 'Requests in flight', format: requests, unit: 'requests' },
  tokensPerDay: { label: 'Tokens today', format: formatTokens, unit: 'tokens' },
  tokensPerMonth: { label: 'Tokens this month', format: formatTokens, unit: 'tokens' },
  spendPerDayUsd: { label: 'Spend today', format: formatUsd, unit: '' },
  spendPerMonthUsd: { label: 'Spend this month', format: formatUsd, unit: '' },
};

const order = Object.keys(limitKinds);

function kindOf(name: string): LimitKind {
  return limitKinds[name] ?? { label: name, format: formatTokens, unit: '' };
}

function resetText(name: string, view: LimitView, now: number): string {
  if (name === 'concurrentRequests') {
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
  const kind = kindOf(name);
  const fraction = view.limit > 0 ? Math.min(1, view.used / view.limit) : 1;
  const used = `${kind.format(view.used)} of ${kind.format(view.limit)}${kind.unit ? ` ${kind.unit}` : ''}`;
  const reset = resetText(name, view, now);
  const labelId = `limit-${name}`;
  return (
    <li className={styles.limit} data-testid="limit" data-limit={name}>
      <div className={styles.limitHeading}>
        <span id={labelId} className={styles.limitName}>
          {kind.label}
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
