import { describe, expect, it } from 'vitest';
import { ledgerIds, redisKeys } from '@/lib/limits/keys';
import { getUsageOverview, maxTopEntries } from '@/lib/usage/overview';
import { FakeUsageRedis } from './fake-usage-redis';

const now = Date.parse('2026-03-15T12:00:00.000Z');
const deploymentDay = (day: string) => redisKeys.usageDay(ledgerIds.deployment, day);

/** A `*` day hash as the settle script writes it (brief contract 3), values as strings. */
function writeDay(redis: FakeUsageRedis, day: string, fields: Record<string, number>): void {
  const hash = redis.hashes.get(deploymentDay(day)) ?? {};
  for (const [field, value] of Object.entries(fields))
    hash[field] = String(Number(hash[field] ?? 0) + value);
  redis.hashes.set(deploymentDay(day), hash);
}

/** One breakdown entry's four fields. */
function entry(prefix: string, name: string, requests: number, micro: number) {
  return {
    [`${prefix}:${name}:requests`]: requests,
    [`${prefix}:${name}:input`]: requests * 100,
    [`${prefix}:${name}:output`]: requests * 10,
    [`${prefix}:${name}:micro`]: micro,
  };
}

describe('getUsageOverview', () => {
  it('sums the deployment per day with cache hits and savings, zeros for empty days', async () => {
    const redis = new FakeUsageRedis();
    writeDay(redis, '2026-03-13', {
      requests: 3,
      input: 300,
      output: 30,
      tokens: 330,
      micro: 2_500_000,
      cached: 1,
      saved: 750_000,
    });
    writeDay(redis, '2026-03-15', { requests: 1, input: 7, output: 3, tokens: 10, micro: 1 });
    // Outside the week: never read.
    writeDay(redis, '2026-03-08', { requests: 99, micro: 99_000_000 });

    const overview = await getUsageOverview(redis, { period: 'week', now });

    expect(overview.period).toEqual({
      start: '2026-03-09T00:00:00.000Z',
      end: '2026-03-16T00:00:00.000Z',
    });
    expect(overview.totals).toEqual({
      requests: 4,
      inputTokens: 307,
      outputTokens: 33,
      costUsd: 2.500001,
      cachedRequests: 1,
      savedUsd: 0.75,
    });
    expect(overview.byDay.map((day) => day.day)).toEqual([
      '2026-03-09',
      '2026-03-10',
      '2026-03-11',
      '2026-03-12',
      '2026-03-13',
      '2026-03-14',
      '2026-03-15',
    ]);
    expect(overview.byDay[0]).toEqual({
      day: '2026-03-09',
      requests: 0,
      inputTokens: 0,
      outputTokens: 0,
      costUsd: 0,
      cachedRequests: 0,
      savedUsd: 0,
    });
    expect(overview.byDay[4]).toMatchObject({ requests: 3, costUsd: 2.5, savedUsd: 0.75 });
  });

  it('splits by user, team, model and tag, names cut at the last colon, summed over days', async () => {
    const redis = new FakeUsageRedis();
    writeDay(redis, '2026-03-14', {
      ...entry('u', 'alice@example.com', 2, 2_000),
      ...entry('g', 'research', 2, 2_000),
      ...entry('m', 'ollama/llama3:8b', 2, 2_000),
      ...entry('t', 'feature:chat', 2, 2_000),
    });
    writeDay(redis, '2026-03-15', {
      ...entry('u', 'alice@example.com', 1, 500),
      ...entry('u', 'bob', 4, 4_000),
      ...entry('m', 'ollama/llama3:8b', 1, 500),
      ...entry('t', 'feature:chat', 1, 500),
      ...entry('t', 'env:prod', 1, 500),
    });

    const overview = await getUsageOverview(redis, { period: 'month', now });

    expect(overview.topUsers).toEqual([
      { userId: 'bob', requests: 4, inputTokens: 400, outputTokens: 40, costUsd: 0.004 },
      {
        userId: 'alice@example.com',
        requests: 3,
        inputTokens: 300,
        outputTokens: 30,
        costUsd: 0.0025,
      },
    ]);
    expect(overview.topTeams).toEqual([
      { teamId: 'research', requests: 2, inputTokens: 200, outputTokens: 20, costUsd: 0.002 },
    ]);
    expect(overview.topModels).toEqual([
      {
        model: 'ollama/llama3:8b',
        requests: 3,
        inputTokens: 300,
        outputTokens: 30,
        costUsd: 0.0025,
      },
    ]);
    expect(overview.topTags.map((tag) => [tag.tag, tag.costUsd])).toEqual([
      ['feature:chat', 0.0025],
      ['env:prod', 0.0005],
    ]);
    expect(overview.counts).toEqual({ users: 2, teams: 1, models: 1, tags: 2 });
  });

  it('ranks by spend, then requests, then name, and lists only the top entries', async () => {
    const redis = new FakeUsageRedis();
    const users = Array.from({ length: maxTopEntries + 5 }, (_, index) => index);
    for (const index of users)
      writeDay(redis, '2026-03-15', entry('u', `user-${index}`, 1, index * 100));
    writeDay(redis, '2026-03-15', entry('u', 'busy-free', 5, 0));
    writeDay(redis, '2026-03-15', entry('u', 'idle-free', 1, 0));

    const overview = await getUsageOverview(redis, { period: 'day', now });

    expect(overview.topUsers).toHaveLength(maxTopEntries);
    expect(overview.topUsers[0]?.userId).toBe(`user-${users.length - 1}`);
    expect(overview.topUsers.at(-1)?.userId).toBe(`user-${users.length - maxTopEntries}`);
    expect(overview.counts.users).toBe(users.length + 2);

    const free = await getUsageOverview(new FakeUsageRedis(), { period: 'day', now });
    expect(free.topUsers).toEqual([]);
    const ties = new FakeUsageRedis();
    writeDay(ties, '2026-03-15', { ...entry('u', 'b', 1, 0), ...entry('u', 'a', 1, 0) });
    writeDay(ties, '2026-03-15', entry('u', 'busy', 5, 0));
    expect(
      (await getUsageOverview(ties, { period: 'day', now })).topUsers.map((user) => user.userId),
    ).toEqual(['busy', 'a', 'b']);
  });

  it('ignores fields that are not counters and reads every day in one round trip', async () => {
    const redis = new FakeUsageRedis();
    const hash = { requests: '2', 'm:x:unknown': '5', 'm::micro': '9', 'u:carol:micro': 'NaN' };
    redis.hashes.set(deploymentDay('2026-03-15'), hash);

    const overview = await getUsageOverview(redis, { period: 'month', now });

    expect(redis.roundTrips).toBe(1);
    expect(overview.totals.requests).toBe(2);
    expect(overview.topModels).toEqual([]);
    expect(overview.topUsers).toEqual([
      { userId: 'carol', requests: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 },
    ]);
  });
});
