import { formatTokens, formatUsd } from '@/components/ui/format';
import { formatLimitAmount, labelOfLimit } from '@/components/ui/limits';
import { type AlertRecord, toEpochMs } from './api';
import styles from './dashboard.module.css';
import { TableScroll } from './table-scroll';

const timeFormat = new Intl.DateTimeFormat('en-US', {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

/** An amount in the alert's unit: micro-dollars as dollars, tokens as a count. */
function formatAmount(alert: AlertRecord, amount: number): string {
  if (alert.unit === 'micro') return formatUsd(amount / 1_000_000);
  if (alert.unit === 'tokens') return formatTokens(amount);
  return formatLimitAmount(alert.limit, amount);
}

function AlertTime({ at }: { at: AlertRecord['at'] }) {
  const time = toEpochMs(at);
  if (time === undefined) return <>—</>;
  return <time dateTime={new Date(time).toISOString()}>{timeFormat.format(time)}</time>;
}

/** Spend alerts as they fired, newest first, with how their webhook delivery went. */
export function FiredAlerts({ alerts }: { alerts: AlertRecord[] }) {
  if (alerts.length === 0) return <p className={styles.muted}>No alert has fired yet.</p>;
  const newestFirst = [...alerts].sort((a, b) => (toEpochMs(b.at) ?? 0) - (toEpochMs(a.at) ?? 0));
  return (
    <TableScroll label="Fired alerts">
      <table className={styles.table}>
        <caption className="visually-hidden">Spend alerts that fired, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Who</th>
            <th scope="col">Limit</th>
            <th scope="col">Threshold</th>
            <th scope="col">Used</th>
            <th scope="col">Delivery</th>
          </tr>
        </thead>
        <tbody>
          {newestFirst.map((alert) => (
            <tr key={alert.id} data-testid="alert-row" data-alert-id={alert.id}>
              <td>
                <AlertTime at={alert.at} />
              </td>
              <td className={styles.code}>
                {alert.ledger.kind} {alert.ledger.id}
              </td>
              <td>{labelOfLimit(alert.limit)}</td>
              <td>{alert.threshold}%</td>
              <td>
                {formatAmount(alert, alert.used)} of {formatAmount(alert, alert.limitValue)}
              </td>
              <td>
                {alert.delivery
                  ? `${alert.delivery.status} (${alert.delivery.attempts} ${
                      alert.delivery.attempts === 1 ? 'attempt' : 'attempts'
                    })`
                  : '—'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}
