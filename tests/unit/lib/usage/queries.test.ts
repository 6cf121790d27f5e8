import { describe, expect, it } from 'vitest';
import { redisKeys } from '@/lib/limits/keys';
import { getLimits, type RateWindowStores } from '@/lib/usage/limits';
import { getUsage, listRequests, listUsers } from '@/lib/usage/queries';
import { rangeOf } from '@/lib/usage/usage-periods';
import { FakeUsageRedis, logEntry } from './fake-usage-redis';

const now = Date.parse('2026-03-15T12:00:00.000Z');
const at = (iso: string) => Date.parse(iso);

describe('rangeOf', () => {
  it('counts the day as today in UTC, end exclusive', () => {
    const range = rangeOf('day', now);
    expect(new Date(range.start).toISOString()).toBe('2026-03-15T00:00:00.000Z');
    expect(new Date(range.end).toISOString()).toBe('2026-03-16T00:00:00.000Z');
    expect(range.days).toEqual(['2026-03-15']);
  });

  it('counts the week as the last 7 UTC days including today', () => {
    const range = rangeOf('week', at('2024-03-01T00:00:00.000Z'));
    expect(range.days).toEqual([
      '2024-02-24',
      '2024-02-25',
      '2024-02-26',
      '2024-02-27',
      '2024-02-28',
      '2024-02-29',
      '2024-03-01',
    ]);
    expect(new Date(range.end).toISOString()).toBe('2024-03-02T00:00:00.000Z');
  });

  it('counts the month as the UTC calendar month, with its days up to today', () => {
    const range = rangeOf('month', at('2025-12-31T23:59:59.999Z'));
    expect(new Date(range.start).toISOString()).toBe('2025-12-01T00:00:00.000Z');
    expect(new Date(range.end).toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(range.days).toHaveLength(31);
    expect(range.days.at(-1)).toBe('2025-12-31');
  });
});

describe('getUsage', () => {
  it('counts only what falls inside the UTC period', async () => {
    const redis = new FakeUsageRedis();
    for (const time of [
      '2026-02-28T23:59:59.999Z', // last month
      '2026-03-08T23:59:59.999Z', // this month, before the week
      '2026-03-09T00:00:00.000Z', // first moment of the week
      '2026-03-14T23:59:59.999Z', // yesterday
      '2026-03-15T00:00:00.000Z', // first moment of today
    ]) {
      redis.settle('alice', logEntry({ at: at(time) }));
    }
    const requests = async (period: 'day' | 'week' | 'month') =>
      (await getUsage(redis, { userId: 'alice', plan: 'free', period, now })).totals.requests;
    expect(await requests('day')).toBe(1);
    expect(await requests('week')).toBe(3);
    expect(await requests('month')).toBe(4);
  });

  it('fills every day of the period up to today, zeros included', async () => {
    const redis = new FakeUsageRedis();
    redis.settle('bob', logEntry({ at: at('2026-03-10T08:00:00Z'), inputTokens: 7 }));
    const usage = await getUsage(redis, { userId: 'bob', plan: 'pro', period: 'week', now });
    expect(usage.period).toEqual({
      start: '2026-03-09T00:00:00.000Z',
      end: '2026-03-16T00:00:00.000Z',
    });
    expect(usage.byDay.map((day) => day.day)).toEqual([
      '2026-03-09',
      '2026-03-10',
      '2026-03-11',
      '2026-03-12',
      '2026-03-13',
      '2026-03-14',
      '2026-03-15',
    ]);
    expect(usage.byDay[0]).toEqual({
      day: '2026-03-09',
      requests: 0,
      inputTokens: 0,
      outputTokens: 0,
      costUsd: 0,
    });
    expect(usage.byDay[1]?.inputTokens).toBe(7);
  });

  it('splits usage by model, with ids holding "/" and ":", by cost then requests', async () => {
    const redis = new FakeUsageRedis();
    const today = '2026-03-15T10:00:00Z';
    const settle = (model: string, costMicroUsd: number) =>
      redis.settle('carol', logEntry({ at: at(today), model, costMicroUsd }));
    settle('ollama/llama3:8b', 0);
    settle('ollama/llama3:8b', 0);
    settle('demo/echo', 0);
    settle('openai/gpt-5.4', 2_500);
    settle('anthropic/claude-sonnet-4.6', 4_000);
    settle('openai/gpt-5.4', 2_500);
    const usage = await getUsage(redis, { userId: 'carol', plan: 'free', period: 'day', now });
    expect(usage.byModel).toEqual([
      { model: 'openai/gpt-5.4', requests: 2, inputTokens: 200, outputTokens: 100, costUsd: 0.005 },
      {
        model: 'anthropic/claude-sonnet-4.6',
        requests: 1,
        inputTokens: 100,
        outputTokens: 50,
        costUsd: 0.004,
      },
      { model: 'ollama/llama3:8b', requests: 2, inputTokens: 200, outputTokens: 100, costUsd: 0 },
      { model: 'demo/echo', requests: 1, inputTokens: 100, outputTokens: 50, costUsd: 0 },
    ]);
  });

  it('splits usage by tag, with tags holding ":", a request with two tags in both', async () => {
    const redis = new FakeUsageRedis();
    const today = at('2026-03-15T09:00:00Z');
    redis.settle(
      'tess',
      logEntry({ at: today, costMicroUsd: 300, tags: ['feature:chat', 'env:prod'] }),
    );
    redis.settle('tess', logEntry({ at: today, costMicroUsd: 200, tags: ['feature:chat'] }));
    redis.settle('tess', logEntry({ at: today, costMicroUsd: 900, tags: ['route:/v1:chat'] }));
    redis.settle('tess', logEntry({ at: today, costMicroUsd: 5_000 }));
    redis.settle(
      'tess',
      logEntry({ at: at('2026-03-14T09:00:00Z'), costMicroUsd: 1, tags: ['env:prod'] }),
    );
    const day = await getUsage(redis, { userId: 'tess', plan: 'free', period: 'day', now });
    expect(day.byTag).toEqual([
      { tag: 'route:/v1:chat', requests: 1, inputTokens: 100, outputTokens: 50, costUsd: 0.0009 },
      { tag: 'feature:chat', requests: 2, inputTokens: 200, outputTokens: 100, costUsd: 0.0005 },
      { tag: 'env:prod', requests: 1, inputTokens: 100, outputTokens: 50, costUsd: 0.0003 },
    ]);
    // A model field is never read as a tag, nor a tag field as a model.
    expect(day.byModel).toEqual([
      {
        model: 'openai/gpt-5.4',
        requests: 4,
        inputTokens: 400,
        outputTokens: 200,
        costUsd: 0.0064,
      },
    ]);
    const week = await getUsage(redis, { userId: 'tess', plan: 'free', period: 'week', now });
    expect(week.byTag.find((entry) => entry.tag === 'env:prod')?.costUsd).toBe(0.000301);
  });

  it('sums money in integer micro-dollars and converts once', async () => {
    const redis = new FakeUsageRedis();
    redis.settle('dave', logEntry({ at: at('2026-03-03T00:00:00Z'), costMicroUsd: 100_000 }));
    redis.settle('dave', logEntry({ at: at('2026-03-04T00:00:00Z'), costMicroUsd: 200_000 }));
    const usage = await getUsage(redis, { userId: 'dave', plan: 'free', period: 'month', now });
    // 0.1 + 0.2 in floating point would be 0.30000000000000004.
    expect(usage.totals.costUsd).toBe(0.3);
    expect(usage.byModel[0]?.costUsd).toBe(0.3);
  });

  it('counts tokens of a failed request but not the request itself', async () => {
    const redis = new FakeUsageRedis();
    redis.settle('erin', logEntry({ at: now - 1000, status: 'error', outputTokens: 0 }));
    const usage = await getUsage(redis, { userId: 'erin', plan: 'free', period: 'day', now });
    expect(usage.totals).toEqual({
      requests: 0,
      inputTokens: 100,
      outputTokens: 0,
      costUsd: 0.001,
      cachedRequests: 0,
      savedUsd: 0,
    });
  });

  it('counts response-cache hits as requests, with what they saved', async () => {
    const redis = new FakeUsageRedis();
    redis.settle('fay', logEntry({ at: now - 2000, costMicroUsd: 1500 }));
    redis.settle(
      'fay',
      logEntry({
        at: now - 1000,
        inputTokens: 0,
        outputTokens: 0,
        costMicroUsd: 0,
        cached: true,
        savedMicroUsd: 1500,
      }),
    );
    const usage = await getUsage(redis, { userId: 'fay', plan: 'free', period: 'day', now });
    expect(usage.totals).toMatchObject({
      requests: 2,
      costUsd: 0.0015,
      cachedRequests: 1,
      savedUsd: 0.0015,
    });
    expect(usage.recent[0]).toMatchObject({ cached: true, savedMicroUsd: 1500, costUsd: 0 });
  });

  it('lists at most 50 recent requests of the period, newest first, with their cost', async () => {
    const redis = new FakeUsageRedis();
    for (let index = 0; index < 60; index++) {
      redis.settle('frank', logEntry({ at: at('2026-03-15T01:00:00Z') + index, costMicroUsd: 5 }));
    }
    const usage = await getUsage(redis, { userId: 'frank', plan: 'free', period: 'day', now });
    expect(usage.recent).toHaveLength(50);
    expect(usage.recent[0]?.at).toBe(at('2026-03-15T01:00:00Z') + 59);
    expect(usage.recent[0]?.costUsd).toBe(0.000005);
    expect(usage.totals.requests).toBe(60);
  });

  it('reads every day of a month in one round trip', async () => {
    const redis = new FakeUsageRedis();
    await getUsage(redis, { userId: 'gina', plan: 'free', period: 'month', now });
    expect(redis.roundTrips).toBe(1);
  });

  it('reports an unknown user as all zeros', async () => {
    const usage = await getUsage(new FakeUsageRedis(), {
      userId: 'nobody',
      plan: null,
      period: 'day',
      now,
    });
    expect(usage.totals).toEqual({
      requests: 0,
      inputTokens: 0,
      outputTokens: 0,
      costUsd: 0,
      cachedRequests: 0,
      savedUsd: 0,
    });
    expect(usage.byModel).toEqual([]);
    expect(usage.byTag).toEqual([]);
    expect(usage.recent).toEqual([]);
  });
});

describe('listRequests', () => {
  it('accepts entries the client already parsed and skips unreadable ones', async () => {
    const redis = new FakeUsageRedis();
    const entry = logEntry({ at: now - 5 });
    redis.lists.set(redisKeys.requestLog('hal'), [entry, 'not json', JSON.stringify({ at: 'x' })]);
    const requests = await listRequests(redis, { userId: 'hal', period: 'day', now });
    expect(requests).toEqual([{ ...entry, costUsd: 0.001 }]);
  });
});

describe('listUsers', () => {
  it('lists every user with their plan, last visit and totals, by cost', async () => {
    const redis = new FakeUsageRedis();
    redis.settle('ivy', logEntry({ at: at('2026-03-10T00:00:00Z'), costMicroUsd: 10 }), 'free');
    redis.settle('jack', logEntry({ at: at('2026-03-14T00:00:00Z'), costMicroUsd: 900 }), 'pro');
    redis.settle('jack', logEntry({ at: at('2026-03-02T00:00:00Z'), costMicroUsd: 900 }), 'pro');
    redis.settle('kim', logEntry({ at: at('2026-02-27T00:00:00Z'), costMicroUsd: 5_000 }));
    redis.addToSortedSet(redisKeys.users(), 'kim', at('2026-02-27T00:00:00Z'));

    const week = await listUsers(redis, { period: 'week', now });
    expect(week.period.start).toBe('2026-03-09T00:00:00.000Z');
    expect(week.users).toEqual([
      {
        userId: 'jack',
        plan: 'pro',
        lastSeenAt: '2026-03-02T00:00:00.000Z',
        totals: { requests: 1, inputTokens: 100, outputTokens: 50, costUsd: 0.0009 },
      },
      {
        userId: 'ivy',
        plan: 'free',
        lastSeenAt: '2026-03-10T00:00:00.000Z',
        totals: { requests: 1, inputTokens: 100, outputTokens: 50, costUsd: 0.00001 },
      },
      {
        userId: 'kim',
        plan: 'free',
        lastSeenAt: '2026-02-27T00:00:00.000Z',
        totals: { requests: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 },
      },
    ]);
    const month = await listUsers(redis, { period: 'month', now });
    expect(month.users[0]).toMatchObject({ userId: 'jack', totals: { requests: 2 } });
  });

  it('reads the index, then every total in one more round trip', async () => {
    const redis = new FakeUsageRedis();
    for (const userId of ['a', 'b', 'c']) redis.settle(userId, logEntry({ at: now }));
    await listUsers(redis, { period: 'week', now });
    expect(redis.roundTrips).toBe(2);
  });

  it('answers an empty list when nobody has used the gateway', async () => {
    const redis = new FakeUsageRedis();
    expect((await listUsers(redis, { period: 'day', now })).users).toEqual([]);
  });
});

function fakeWindows(remaining: number, reset: number): RateWindowStores {
  return { limiterFor: () => ({ getRemaining: async () => ({ remaining, reset }) }) };
}

describe('getLimits', () => {
  it('omits every limit the plan does not have', async () => {
    const redis = new FakeUsageRedis();
    const limits = await getLimits(redis, fakeWindows(0, now), {
      userId: 'lea',
      plan: { tokensPerDay: 1_000 },
      planName: 'tiny',
      now,
    });
    expect(limits).toEqual({
      userId: 'lea',
      plan: 'tiny',
      limits: {
        tokensPerDay: {
          limit: 1_000,
          used: 0,
          remaining: 1_000,
          resetAt: '2026-03-16T00:00:00.000Z',
        },
      },
    });
    expect(
      Object.keys(
        (
          await getLimits(redis, fakeWindows(0, now), {
            userId: 'lea',
            plan: {},
            planName: 'admin',
            now,
          })
        ).limits,
      ),
    ).toEqual([]);
  });

  it('reads the rate windows without consuming them', async () => {
    const reset = now + 30_000;
    const limits = await getLimits(new FakeUsageRedis(), fakeWindows(3, reset), {
      userId: 'max',
      plan: { requestsPerMinute: 10, requestsPerDay: 100 },
      planName: 'free',
      now,
    });
    expect(limits.limits.requestsPerMinute).toEqual({
      limit: 10,
      used: 7,
      remaining: 3,
      resetAt: new Date(reset).toISOString(),
    });
    expect(limits.limits.requestsPerDay?.used).toBe(97);
  });

  it('counts unexpired leases and resets at the earliest expiry', async () => {
    const redis = new FakeUsageRedis();
    const leases = redisKeys.leases('nia');
    redis.addToSortedSet(leases, 'expired', now - 1);
    redis.addToSortedSet(leases, 'later', now + 90_000);
    redis.addToSortedSet(leases, 'sooner', now + 30_000);
    const plan = { concurrentRequests: 4 };
    const limits = await getLimits(redis, fakeWindows(0, now), {
      userId: 'nia',
      plan,
      planName: 'free',
      now,
    });
    expect(limits.limits.concurrentRequests).toEqual({
      limit: 4,
      used: 2,
      remaining: 2,
      resetAt: new Date(now + 30_000).toISOString(),
    });
    const idle = await getLimits(redis, fakeWindows(0, now), {
      userId: 'omar',
      plan,
      planName: 'free',
      now,
    });
    expect(idle.limits.concurrentRequests?.resetAt).toBe(new Date(now).toISOString());
  });

  it('shows budgets for the UTC day and month, never a negative remaining', async () => {
    const redis = new FakeUsageRedis();
    redis.settle(
      'pia',
      logEntry({
        at: now - 60_000,
        inputTokens: 9_000,
        outputTokens: 3_000,
        costMicroUsd: 5_500_000,
      }),
    );
    redis.settle('pia', logEntry({ at: at('2026-03-01T00:00:00Z'), costMicroUsd: 250_000 }));
    const limits = await getLimits(redis, fakeWindows(-2, now + 1_000), {
      userId: 'pia',
      plan: {
        requestsPerMinute: 5,
        tokensPerDay: 10_000,
        tokensPerMonth: 1_000_000,
        spendPerDayUsd: 5,
        spendPerMonthUsd: 10.1,
      },
      planName: 'free',
      now,
    });
    expect(limits.limits).toEqual({
      requestsPerMinute: {
        limit: 5,
        used: 5,
        remaining: 0,
        resetAt: new Date(now + 1_000).toISOString(),
      },
      tokensPerDay: {
        limit: 10_000,
        used: 12_000,
        remaining: 0,
        resetAt: '2026-03-16T00:00:00.000Z',
      },
      tokensPerMonth: {
        limit: 1_000_000,
        used: 12_150,
        remaining: 987_850,
        resetAt: '2026-04-01T00:00:00.000Z',
      },
      spendPerDayUsd: { limit: 5, used: 5.5, remaining: 0, resetAt: '2026-03-16T00:00:00.000Z' },
      spendPerMonthUsd: {
        limit: 10.1,
        used: 5.75,
        remaining: 4.35,
        resetAt: '2026-04-01T00:00:00.000Z',
      },
    });
  });

  it('reads everything in one round trip', async () => {
    const redis = new FakeUsageRedis();
    await getLimits(redis, fakeWindows(1, now), {
      userId: 'quinn',
      plan: { concurrentRequests: 2, tokensPerDay: 5, spendPerMonthUsd: 1 },
      planName: 'free',
      now,
    });
    expect(redis.roundTrips).toBe(1);
  });
});
