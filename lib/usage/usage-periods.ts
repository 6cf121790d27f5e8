import { daysBetween } from '@/lib/limits/periods';

export const usagePeriods = ['day', 'week', 'month'] as const;
export type UsagePeriod = (typeof usagePeriods)[number];

/** The period's start (inclusive) and end (exclusive) in epoch ms, and its days up to today. */
export interface PeriodRange {
  start: number;
  end: number;
  days: string[];
}

/** Day: today (UTC). Week: the last 7 UTC days, today included. Month: the UTC calendar month. */
export function rangeOf(period: UsagePeriod, now: number): PeriodRange {
  const date = new Date(now);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  const day = date.getUTCDate();
  const start =
    period === 'month'
      ? Date.UTC(year, month, 1)
      : Date.UTC(year, month, period === 'week' ? day - 6 : day);
  const end = period === 'month' ? Date.UTC(year, month + 1, 1) : Date.UTC(year, month, day + 1);
  return { start, end, days: daysBetween(start, now) };
}

export function toIso(time: number): string {
  return new Date(time).toISOString();
}
