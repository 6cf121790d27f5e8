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

const percent = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 0 });

/** Thresholds may come as fractions (0.5) or percentages (50). */
function formatThreshold(threshold: number): string {
  return percent.format(threshold > 1 ? threshold / 100 : threshold);
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
              <td>{formatThreshold(alert.threshold)}</td>
              <td>
                {formatLimitAmount(alert.limit, alert.used)} of{' '}
                {formatLimitAmount(alert.limit, alert.limitValue)}
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
