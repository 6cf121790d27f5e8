import type { UsagePeriod } from './api';
import styles from './dashboard.module.css';
import { formatPeriodRange, PeriodSwitch } from './period-switch';

const clockFormat = new Intl.DateTimeFormat('en-US', {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** The period switch, the range it covers, when the numbers were read, and the CSV export. */
export function DashboardToolbar({
  period,
  range,
  updatedAt,
  exportHref,
  onPeriodChange,
}: {
  period: UsagePeriod;
  range: { start: string; end: string } | undefined;
  updatedAt: number | undefined;
  exportHref?: string;
  onPeriodChange: (period: UsagePeriod) => void;
}) {
  return (
    <div className={styles.toolbar}>
      <PeriodSwitch period={period} onChange={onPeriodChange} />
      <p className={styles.range}>
        <span data-testid="period-range">{range ? formatPeriodRange(range) : '…'}</span>
        {updatedAt ? (
          <span className={styles.updated}> · updated {clockFormat.format(updatedAt)}</span>
        ) : null}
      </p>
      {exportHref ? (
        <a className={styles.button} href={exportHref} download data-testid="export-csv">
          Export CSV
        </a>
      ) : null}
    </div>
  );
}
