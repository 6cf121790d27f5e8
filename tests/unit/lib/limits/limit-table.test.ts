import { describe, expect, it } from 'vitest';
import { limitsSchema, planSchema } from '@/lib/config/schema';
import { denialError, limitHeaders } from '@/lib/limits/admission-replies';
import { ledgerIds } from '@/lib/limits/keys';
import {
  budgetField,
  isLimitName,
  limitAmount,
  limitNames,
  limitsOfKind,
  limitTable,
} from '@/lib/limits/limit-table';
import { periodsAt, resetOf } from '@/lib/limits/periods';

describe('the limit table', () => {
  it('names the seven limits of the contract, each with its kind, unit and period', () => {
    expect(limitNames).toEqual([
      'requestsPerMinute',
      'requestsPerDay',
      'concurrentRequests',
      'tokensPerDay',
      'tokensPerMonth',
      'spendPerDayUsd',
      'spendPerMonthUsd',
    ]);
    expect(limitsOfKind('rate')).toEqual(['requestsPerMinute', 'requestsPerDay']);
    expect(limitsOfKind('concurrency')).toEqual(['concurrentRequests']);
    expect(limitTable.spendPerDayUsd).toMatchObject({
      kind: 'budget',
      unit: 'micro',
      period: 'day',
    });
    expect(budgetField('tokensPerMonth')).toBe('tokens');
    expect(budgetField('spendPerMonthUsd')).toBe('micro');
    expect(isLimitName('toString')).toBe(false);
  });

  it('counts dollars in integer micro-dollars and everything else as written', () => {
    expect(limitAmount('spendPerMonthUsd', 0.1 + 0.2)).toBe(300_000);
    expect(limitAmount('tokensPerDay', 5000)).toBe(5000);
  });

  it('ends a budget with its calendar period and a rate window with none', () => {
    const periods = periodsAt(Date.UTC(2026, 11, 2, 5));
    expect(resetOf('tokensPerDay', periods)).toBe(Date.UTC(2026, 11, 3));
    expect(resetOf('spendPerMonthUsd', periods)).toBe(Date.UTC(2027, 0, 1));
    expect(resetOf('requestsPerMinute', periods)).toBeUndefined();
  });

  it('keeps team and key ledgers apart from user ids, which never hold a colon', () => {
    expect(ledgerIds.team('acme')).toBe('team:acme');
    expect(ledgerIds.key('key_1')).toBe('key:key_1');
    expect(ledgerIds.deployment).toBe('*');
  });
});

describe('the plan schema, derived from the table', () => {
  it('accepts every limit of the table and a soft list of limit names', () => {
    const plan = Object.fromEntries(limitNames.map((name) => [name, 2]));
    expect(planSchema.parse({ ...plan, soft: ['spendPerDayUsd'], admin: true })).toMatchObject({
      ...plan,
      soft: ['spendPerDayUsd'],
    });
    expect(limitsSchema.safeParse({ spendPerMonthUsd: 0.5 }).success).toBe(true);
  });

  it('refuses an unknown soft name, a fractional token count and an unknown field', () => {
    expect(limitsSchema.safeParse({ soft: ['tokensPerWeek'] }).success).toBe(false);
    expect(limitsSchema.safeParse({ tokensPerDay: 1.5 }).success).toBe(false);
    expect(limitsSchema.safeParse({ tokensPerYear: 1 }).success).toBe(false);
    // A key's or a bucket's limits are not a plan: they cannot make anyone an admin.
    expect(limitsSchema.safeParse({ admin: true }).success).toBe(false);
  });
});

describe('what a refusal says', () => {
  it('names the limit and whose it is', () => {
    const headers = new Headers();
    const resetsAt = Date.UTC(2027, 0, 1);
    const team = denialError(
      { reason: 'budget', scope: 'team', limit: 'spendPerMonthUsd', resetsAt },
      headers,
    );
    expect(team.code).toBe('budget_exceeded');
    expect(team.message).toBe(
      "The monthly spending budget of your team's plan is used up; it resets at 2027-01-01T00:00:00.000Z.",
    );
    const key = denialError(
      { reason: 'rate', scope: 'key', limit: 'requestsPerMinute', retryAfterSeconds: 3 },
      headers,
    );
    expect(key.code).toBe('rate_limited');
    expect(key.message).toContain('request-rate limit per minute of this API key');
    const user = denialError(
      { reason: 'concurrency', scope: 'user', limit: 'concurrentRequests', allowed: 4 },
      headers,
    );
    expect(user.message).toContain('your plan allows 4 at a time');
  });
});

describe('the x-ratelimit headers', () => {
  it('show the request window and the token budget with the least left, whatever the scope', () => {
    const time = 1_000_000;
    const headers = limitHeaders(
      [
        { limit: 100, remaining: 90, reset: time + 60_000 },
        { limit: 20, remaining: 3, reset: time + 30_000 },
      ],
      [
        { limit: 10_000, used: 1_000, resetAt: time + 3_600_000 },
        { limit: 500, used: 450, resetAt: time + 7_200_000 },
      ],
      time,
    );
    expect(headers.get('x-ratelimit-limit-requests')).toBe('20');
    expect(headers.get('x-ratelimit-remaining-requests')).toBe('3');
    expect(headers.get('x-ratelimit-reset-requests')).toBe('30s');
    expect(headers.get('x-ratelimit-limit-tokens')).toBe('500');
    expect(headers.get('x-ratelimit-remaining-tokens')).toBe('50');
    expect(headers.get('x-ratelimit-reset-tokens')).toBe('2h0m0s');
  });
});
