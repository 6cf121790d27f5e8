import { describe, expect, it } from 'vitest';
import { teamLedgerId } from '@/lib/teams/keys';
import { getTeamUsage } from '@/lib/usage/queries';
import { FakeUsageRedis, logEntry } from './fake-usage-redis';

const now = Date.parse('2026-03-15T12:00:00.000Z');

describe('getTeamUsage', () => {
  it("reads the team ledger's day hashes, in one round trip, and nobody else's", async () => {
    const redis = new FakeUsageRedis();
    const ledger = teamLedgerId('eng');
    redis.settle(ledger, logEntry({ at: Date.parse('2026-03-14T10:00:00Z'), costMicroUsd: 2_000 }));
    redis.settle(
      ledger,
      logEntry({ at: Date.parse('2026-03-15T10:00:00Z'), model: 'anthropic/claude:x' }),
    );
    // A member's own ledger and another team's are not the team's usage.
    redis.settle('alice', logEntry({ at: Date.parse('2026-03-15T11:00:00Z') }));
    redis.settle(teamLedgerId('ops'), logEntry({ at: Date.parse('2026-03-15T11:00:00Z') }));

    const report = await getTeamUsage(redis, { teamId: 'eng', plan: 'team', period: 'week', now });
    expect(redis.roundTrips).toBe(1);
    expect(report).toMatchObject({
      teamId: 'eng',
      plan: 'team',
      period: { start: '2026-03-09T00:00:00.000Z', end: '2026-03-16T00:00:00.000Z' },
      totals: { requests: 2, inputTokens: 200, outputTokens: 100, costUsd: 0.003 },
      byModel: [
        { model: 'openai/gpt-5.4', requests: 1, costUsd: 0.002 },
        { model: 'anthropic/claude:x', requests: 1, costUsd: 0.001 },
      ],
    });
    expect(report.byDay).toHaveLength(7);
    expect(report.byDay.at(-1)).toMatchObject({ day: '2026-03-15', requests: 1 });
    expect(report.byDay.at(-2)).toMatchObject({ day: '2026-03-14', costUsd: 0.002 });
    expect(report).not.toHaveProperty('recent');
  });
});
