import { randomUUID } from 'node:crypto';
import { Redis } from '@upstash/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAlerts } from '@/lib/alerts';
import { fireAlerts } from '@/lib/alerts/fire';
import { createAlertStore } from '@/lib/alerts/store';
import type { AlertLedger } from '@/lib/alerts/types';
import { redisKeys } from '@/lib/limits/keys';
import { periodsAt } from '@/lib/limits/periods';
import { createTeam, setTeamMember } from '@/lib/teams/store';
import { type LocalRedis, startRedis } from '../../scripts/local-redis.mjs';
import { type Bridge, startBridge } from '../../scripts/upstash-bridge.mjs';

// The alert scripts against a real Redis behind the Upstash REST bridge: the once-per-period
// guarantee and the outbox's claims, under concurrency, with an injected clock.
const TOKEN = randomUUID();
const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const now = Date.UTC(2026, 11, 2, 12);
const day = periodsAt(now).day;

let server: LocalRedis;
let bridge: Bridge;
let redis: Redis;

beforeAll(async () => {
  server = await startRedis();
  bridge = await startBridge({ redisUrl: server.url, token: TOKEN });
  redis = new Redis({ url: bridge.url, token: TOKEN, retry: false });
});
afterAll(async () => {
  await bridge?.close();
  await server?.stop();
});

function ledgerOf(userId: string): AlertLedger {
  return {
    kind: 'user',
    id: userId,
    ledgerId: userId,
    limits: {
      tokensPerDay: 1000,
      alerts: { webhookUrl: 'https://hooks.example/a', secret, thresholds: [50, 75, 100] },
    },
  };
}

describe('alert store', () => {
  it('50 concurrent settlements at 80 % fire 50 and 75 exactly once each, and 100 only once reached', async () => {
    const store = createAlertStore(redis);
    await redis.hset(redisKeys.usageDay('dedup-user', day), { tokens: 800 });
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        fireAlerts(store, [ledgerOf('dedup-user')], { ownerUserId: 'dedup-user', now }),
      ),
    );
    const fired = results.flatMap((result) => result.fired);
    expect(fired).toHaveLength(2);
    expect(results.every((result) => result.due)).toBe(true);
    const listed = await store.list(['dedup-user'], 50);
    expect(listed.map(({ record }) => [record.threshold, record.used]).sort()).toEqual([
      [50, 800],
      [75, 800],
    ]);

    await redis.hset(redisKeys.usageDay('dedup-user', day), { tokens: 1000 });
    const again = await Promise.all(
      Array.from({ length: 20 }, () =>
        fireAlerts(store, [ledgerOf('dedup-user')], { ownerUserId: 'dedup-user', now: now + 1 }),
      ),
    );
    const second = again.flatMap((result) => result.fired);
    expect(second).toHaveLength(1);
    const [hundred] = await store.list(['dedup-user'], 1);
    expect(hundred?.record).toMatchObject({ id: second[0], threshold: 100, used: 1000 });
  });

  it('a ledger below every threshold fires nothing and writes nothing', async () => {
    const store = createAlertStore(redis);
    await redis.hset(redisKeys.usageDay('calm-user', day), { tokens: 499 });
    const { fired } = await fireAlerts(store, [ledgerOf('calm-user')], {
      ownerUserId: 'calm-user',
      now,
    });
    expect(fired).toEqual([]);
    expect(await store.list(['calm-user'], 10)).toEqual([]);
  });

  it('concurrent sweeps claim each due delivery once, and a claim is held for its lease', async () => {
    const store = createAlertStore(redis);
    await redis.hset(redisKeys.usageDay('claim-user', day), { tokens: 1000 });
    const { fired } = await fireAlerts(store, [ledgerOf('claim-user')], {
      ownerUserId: 'claim-user',
      now,
    });
    expect(fired).toHaveLength(3);
    const claims = await Promise.all(
      Array.from({ length: 10 }, () => store.claimDue(now + 10, 60_000, 100)),
    );
    const claimed = claims.flat().map(({ record }) => record.id);
    expect(claimed.filter((id) => fired.includes(id)).sort()).toEqual([...fired].sort());
    expect(new Set(claimed).size).toBe(claimed.length);
    expect(await store.claimDue(now + 59_000, 60_000, 100)).toEqual([]);
    const expired = await store.claimDue(now + 60_011, 60_000, 100);
    expect(expired.map(({ record }) => record.id).sort()).toEqual(
      expect.arrayContaining([...fired].sort()),
    );
  });

  it("a user lists their own and their keys' alerts and their team's; another member, and a key of the team, see the team's only", async () => {
    const store = createAlertStore(redis);
    const alerts = { webhookUrl: 'https://hooks.example/a', secret, thresholds: [10] };
    const ledgers: AlertLedger[] = [
      { kind: 'user', id: 'grace', ledgerId: 'grace', limits: { tokensPerDay: 100, alerts } },
      // A numeric id: Upstash parses the reply "77" to a number, which must still match.
      { kind: 'team', id: '77', ledgerId: 'team:77', limits: { tokensPerMonth: 100, alerts } },
      { kind: 'key', id: 'k1', ledgerId: 'key:k1', limits: { spendPerDayUsd: 1, alerts } },
    ];
    const month = periodsAt(now).month;
    await Promise.all([
      redis.hset(redisKeys.usageDay('grace', day), { tokens: 50 }),
      redis.hset(redisKeys.usageMonth('team:77', month), { tokens: 50 }),
      redis.hset(redisKeys.usageDay('key:k1', day), { micro: 500_000 }),
    ]);
    // Membership through the teams store, as the admin API writes it.
    await createTeam(redis, { id: '77', name: 'Lab', plan: 'free' }, { plans: { free: {} } });
    await setTeamMember(redis, '77', 'grace');
    await setTeamMember(redis, '77', 'linus');
    const { fired } = await fireAlerts(store, ledgers, { ownerUserId: 'grace', now });
    expect(fired).toHaveLength(3);

    const identity = (userId: string, teamId?: string) => ({
      userId,
      plan: 'free',
      admin: false,
      kind: 'api-key' as const,
      ...(teamId ? { teamId } : {}),
    });
    const seen = async (userId: string) =>
      (await listAlerts(redis, identity(userId), { limit: 50 })).alerts.map(
        (alert) => `${alert.ledger.kind}:${alert.ledger.id}`,
      );
    expect((await seen('grace')).sort()).toEqual(['key:k1', 'team:77', 'user:grace']);
    expect(await seen('linus')).toEqual(['team:77']);
    expect(await seen('someone-else')).toEqual([]);
    // A key naming the team counts for it whatever its user's membership.
    const viaKey = await listAlerts(redis, identity('someone-else', '77'), { limit: 50 });
    expect(viaKey.alerts.map((alert) => alert.ledger)).toEqual([{ kind: 'team', id: '77' }]);
    const [view] = (await listAlerts(redis, identity('linus'), { limit: 50 })).alerts;
    expect(view?.delivery).toEqual({ status: 'pending', attempts: 0, nextAttemptAt: now });
  });
});
