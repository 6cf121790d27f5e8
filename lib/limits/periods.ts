import { type LimitName, limitTable } from './limit-table';

/** UTC calendar periods, the windows budgets and usage are counted in. */
export interface Periods {
  /** `YYYY-MM-DD` */
  day: string;
  /** `YYYY-MM` */
  month: string;
  /** Epoch ms when the day and the month end. */
  dayEndsAt: number;
  monthEndsAt: number;
}

export function periodsAt(now: number): Periods {
  const date = new Date(now);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  const day = date.getUTCDate();
  const iso = date.toISOString();
  return {
    day: iso.slice(0, 10),
    month: iso.slice(0, 7),
    dayEndsAt: Date.UTC(year, month, day + 1),
    monthEndsAt: Date.UTC(year, month + 1, 1),
  };
}

/** Each UTC day from `from` to `to` inclusive, as `YYYY-MM-DD`. */
export function daysBetween(from: number, to: number): string[] {
  const days: string[] = [];
  const start = new Date(periodsAt(from).day).getTime();
  for (let time = start; time <= to; time += 86_400_000) {
    days.push(new Date(time).toISOString().slice(0, 10));
  }
  return days;
}

/** When a day or month budget's period ends; undefined for rate windows and concurrency. */
export function resetOf(name: LimitName, periods: Periods): number | undefined {
  const spec = limitTable[name];
  if (spec.kind !== 'budget') return undefined;
  return spec.period === 'day' ? periods.dayEndsAt : periods.monthEndsAt;
}
