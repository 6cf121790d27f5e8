import { describe, expect, it } from 'vitest';
import { formatReset } from '@/lib/limits/admission-replies';
import { daysBetween, periodsAt } from '@/lib/limits/periods';

describe('UTC periods', () => {
  it('ends the day at UTC midnight and the month on the first', () => {
    const periods = periodsAt(Date.UTC(2026, 11, 31, 23, 59, 59));
    expect(periods).toEqual({
      day: '2026-12-31',
      month: '2026-12',
      dayEndsAt: Date.UTC(2027, 0, 1),
      monthEndsAt: Date.UTC(2027, 0, 1),
    });
  });

  it('lists every day between two instants', () => {
    expect(daysBetween(Date.UTC(2026, 1, 27, 12), Date.UTC(2026, 2, 2, 1))).toEqual([
      '2026-02-27',
      '2026-02-28',
      '2026-03-01',
      '2026-03-02',
    ]);
  });
});

describe('rate-limit headers', () => {
  it('writes resets as OpenAI does', () => {
    expect(formatReset(400)).toBe('1s');
    expect(formatReset(59_000)).toBe('59s');
    expect(formatReset(61_000)).toBe('1m1s');
    expect(formatReset(3_725_000)).toBe('1h2m5s');
  });
});
