import { periods, type UsagePeriod } from './api';
import styles from './dashboard.module.css';

const periodLabels: Record<UsagePeriod, string> = {
  day: 'Today',
  week: '7 days',
  month: 'This month',
};

const rangeFormat = new Intl.DateTimeFormat('en-US', {
  month: 'short',
  day: 'numeric',
  year: 'numeric',
  timeZone: 'UTC',
});

/** "Nov 15, 2026 – Nov 21, 2026 (UTC)": periods are UTC days, and `end` is exclusive. */
export function formatPeriodRange(period: { start: string; end: string }): string {
  const start = Date.parse(period.start);
  const lastDay = Date.parse(period.end) - 1;
  const first = rangeFormat.format(start);
  const last = rangeFormat.format(lastDay);
  return `${first === last ? first : `${first} – ${last}`} (UTC)`;
}

export function PeriodSwitch({
  period,
  onChange,
}: {
  period: UsagePeriod;
  onChange: (period: UsagePeriod) => void;
}) {
  return (
    <fieldset className={styles.periodSwitch}>
      <legend className="visually-hidden">Period</legend>
      {periods.map((option) => (
        <button
          key={option}
          type="button"
          aria-pressed={option === period}
          className={styles.periodOption}
          onClick={() => onChange(option)}
        >
          {periodLabels[option]}
        </button>
      ))}
    </fieldset>
  );
}
