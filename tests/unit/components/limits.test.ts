import { describe, expect, it } from 'vitest';
import {
  budgetLimitNames,
  formatLimitAmount,
  labelOfLimit,
  unitSuffixOfLimit,
} from '@/components/ui/limits';

describe('limits in the UI, read from the limit table', () => {
  it('puts money first, then tokens, the longer period first', () => {
    expect(budgetLimitNames).toEqual([
      'spendPerMonthUsd',
      'spendPerDayUsd',
      'tokensPerMonth',
      'tokensPerDay',
    ]);
  });

  it('writes spend in dollars and counts with their unit', () => {
    expect(formatLimitAmount('spendPerDayUsd', 1.5)).toContain('$');
    expect(formatLimitAmount('tokensPerDay', 1500)).not.toContain('$');
    expect(unitSuffixOfLimit('tokensPerDay')).toBe(' tokens');
    expect(unitSuffixOfLimit('concurrentRequests')).toBe(' requests');
    expect(unitSuffixOfLimit('spendPerMonthUsd')).toBe('');
    expect(labelOfLimit('requestsPerDay')).toBe('Requests today');
    expect(labelOfLimit('somethingNew')).toBe('somethingNew');
  });
});
