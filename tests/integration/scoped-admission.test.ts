import { Redis } from '@upstash/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Identity } from '@/lib/auth/identity';
import { type AfterSettle, openAccounting, type SettledScope } from '@/lib/chat/accounting';
import type { ChatOutcome } from '@/lib/chat/types';
import { loadConfig } from '@/lib/config';
import { createAdmission } from '@/lib/limits/admission';
import { createBudgetStore } from '@/lib/limits/budget';
import { redisKeys } from '@/lib/limits/keys';
import { periodsAt } from '@/lib/limits/periods';
import { createRateLimiters } from '@/lib/limits/rate-limits';
import { type LocalRedis, startRedis } from '../../scripts/local-redis.mjs';
import { type Bridge, startBridge } from '../../scripts/upstash-bridge.mjs';

// The admission and settle scripts, driven through the accounting against a real redis-server
// behind the Upstash bridge (no app: these are the scripts' own guarantees).

let local: LocalRedis;
let bridge: Bridge;
let redis: Redis;
let shared: ReturnType<typeof stores>;

const pricing = { inputPerMTok: 1, outputPerMTok: 1 };
const config = loadConfig(
  {
    NODE_ENV: 'test',
    GATEWAY_CONFIG: JSON.stringify({
      plans: {
        roomy: { tokensPerDay: 1_000_000, requestsPerMinute: 100, concurrentRequests: 10 },
        teamTiny: { tokensPerDay: 300 },
        teamOneAtATime: { concurrentRequests: 1 },
        softBudget: { tokensPerDay: 300, soft: ['tokensPerDay'] },
        softEverything: {
          requestsPerMinute: 1,
          concurrentRequests: 1,
          spendPerDayUsd: 0.0001,
          soft: ['requestsPerMinute', 'concurrentRequests', 'spendPerDayUsd'],
        },
        hardAndSoft: { tokensPerDay: 250, tokensPerMonth: 60, soft: ['tokensPerMonth'] },
        softTiny: { tokensPerDay: 10, soft: ['tokensPerDay'] },
      },
    }),
  },
  { requireSecrets: false },
);

beforeAll(async () => {
  local = await startRedis();
  const token = crypto.randomUUID();
  bridge = await startBridge({ redisUrl: local.url, token });
  redis = new Redis({ url: bridge.url, token });
  shared = stores();
});
afterAll(async () => {
  await bridge?.close();
  await local?.stop();
});

function stores() {
  const limiterFor = createRateLimiters(redis);
  return {
    admission: createAdmission({ redis, limiterFor }),
    budgets: createBudgetStore({ redis }),
    limiterFor,
  };
}

function identityOf(userId: string, plan: string, extra: Partial<Identity> = {}): Identity {
  return { userId, plan, admin: false, kind: 'api-key', ...extra };
}

function open(
  caller: Parameters<typeof openAccounting>[0],
  afterSettle?: AfterSettle,
): { accounting: ReturnType<typeof openAccounting>; deferred: Promise<unknown>[] } {
  const deferred: Promise<unknown>[] = [];
  const accounting = openAccounting(caller, {
    config,
    stores: shared,
    defer: (task) => deferred.push(task),
    afterSettle,
  });
  return { accounting, deferred };
}

const ask = (requestedOutputTokens: number) => ({
  inputTokens: 50,
  requestedOutputTokens,
  pricing,
});

const outcome = (inputTokens: number, outputTokens: number): ChatOutcome =>
  ({
    ending: 'finished',
    usage: {
      inputTokens,
      outputTokens,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      totalTokens: inputTokens + outputTokens,
    },
    usageSource: 'provider',
    timeToFirstTokenMs: 5,
  }) as unknown as ChatOutcome;

async function heldBy(ledgerId: string) {
  return {
    leases: await redis.zcard(redisKeys.leases(ledgerId)),
    reservations: await redis.zcard(redisKeys.reservations(ledgerId)),
  };
}

describe('one admission script for every scope', () => {
  it("a team budget refuses a request the user's own budget has room for, and it holds nothing anywhere", async () => {
    const user = `team-user-${crypto.randomUUID()}`;
    const team = { id: `t-${crypto.randomUUID()}`, planName: 'teamTiny' };
    const first = open({ identity: identityOf(user, 'roomy'), requestId: 'r1', team });
    // 300 tokens for the team: 50 in + 200 out fits, and is clamped to what is left.
    expect(await first.accounting.admit(ask(200))).toBe(200);
    expect(await heldBy(`team:${team.id}`)).toEqual({ leases: 0, reservations: 1 });

    const windowBefore = await shared.limiterFor('minute', 100).getRemaining(user);
    const second = open({ identity: identityOf(user, 'roomy'), requestId: 'r2', team });
    const refusal = await second.accounting.admit(ask(200)).catch((error) => error);
    expect(refusal.code).toBe('budget_exceeded');
    expect(refusal.message).toContain("daily token budget of your team's plan is used up");
    await Promise.all(second.deferred);
    // The user's lease and reservation are r1's only; the refused r2 left no trace.
    expect(await heldBy(user)).toEqual({ leases: 1, reservations: 1 });
    expect(await heldBy(`team:${team.id}`)).toEqual({ leases: 0, reservations: 1 });
    const windowAfter = await shared.limiterFor('minute', 100).getRemaining(user);
    expect(windowAfter.remaining).toBe(windowBefore.remaining);

    // Another team, same user plan: unaffected.
    const other = open({
      identity: identityOf(`other-${user}`, 'roomy'),
      requestId: 'r3',
      team: { id: `t-${crypto.randomUUID()}`, planName: 'teamTiny' },
    });
    expect(await other.accounting.admit(ask(200))).toBe(200);
  });

  it("a team's limit of requests in flight counts both members' requests", async () => {
    const team = { id: `t-${crypto.randomUUID()}`, planName: 'teamOneAtATime' };
    const a = open({ identity: identityOf(`a-${team.id}`, 'roomy'), requestId: 'a1', team });
    await a.accounting.admit(ask(20));
    const b = open({ identity: identityOf(`b-${team.id}`, 'roomy'), requestId: 'b1', team });
    const refusal = await b.accounting.admit(ask(20)).catch((error) => error);
    expect(refusal.code).toBe('concurrency_limited');
    expect(refusal.message).toContain("your team's plan allows 1 at a time");
    await a.accounting.abandon();
    expect(await heldBy(`team:${team.id}`)).toEqual({ leases: 0, reservations: 0 });
    const c = open({ identity: identityOf(`b-${team.id}`, 'roomy'), requestId: 'b2', team });
    await expect(c.accounting.admit(ask(20))).resolves.toBe(20);
  });

  it("a key's own budget refuses while the plan has room", async () => {
    const keyId = `key_${crypto.randomUUID()}`;
    const identity = identityOf(`key-user-${keyId}`, 'roomy', {
      keyId: undefined,
      keyLimits: { tokensPerDay: 100 },
    });
    // Without the key id no key scope applies; with it the key's 100 tokens do.
    const keyed = { ...identity, keyId };
    await redis.hset(redisKeys.apiKeys(), { [keyId]: '{}' });
    // 50 in + 40 out of the key's 100; the user's plan alone admits the same request again.
    await expect(
      open({ identity: keyed, requestId: 'k1' }).accounting.admit(ask(40)),
    ).resolves.toBe(40);
    await expect(open({ identity, requestId: 'no-key' }).accounting.admit(ask(40))).resolves.toBe(
      40,
    );
    const refusal = await open({ identity: keyed, requestId: 'k2' })
      .accounting.admit(ask(40))
      .catch((error) => error);
    expect(refusal.code).toBe('budget_exceeded');
    expect(refusal.message).toContain('daily token budget of this API key');
    const key = await redis.zrange(redisKeys.reservations(`key:${keyId}`), 0, -1);
    expect(key).toEqual(['k1']);
    const own = await redis.zrange(redisKeys.reservations(identity.userId), 0, -1);
    expect(own.sort()).toEqual(['k1', 'no-key']);
  });

  it("a guests' shared bucket refuses for every guest, and the guest holds nothing", async () => {
    const bucket = { ledgerId: `guests@${crypto.randomUUID()}`, limits: { tokensPerDay: 100 } };
    const guest = (id: string) => identityOf(`guest-${id}`, 'roomy', { kind: 'guest' });
    const first = open({ identity: guest('1'), requestId: 'g1', sharedBuckets: [bucket] });
    await first.accounting.admit(ask(40));
    const second = open({ identity: guest('2'), requestId: 'g2', sharedBuckets: [bucket] });
    const refusal = await second.accounting.admit(ask(40)).catch((error) => error);
    expect(refusal.message).toContain('guests together');
    expect(await heldBy('guest-2')).toEqual({ leases: 0, reservations: 0 });
  });
});

describe('soft limits', () => {
  it('a soft budget clamps nothing, and warns exactly when a hard one would refuse', async () => {
    const user = `soft-${crypto.randomUUID()}`;
    const first = open({ identity: identityOf(user, 'softBudget'), requestId: 's1' });
    // 300 tokens: a hard budget would clamp 1000 to 250; the soft one lets it all through.
    expect(await first.accounting.admit(ask(1000))).toBe(1000);
    expect(first.accounting.limitWarnings).toEqual([]);
    const second = open({ identity: identityOf(user, 'softBudget'), requestId: 's2' });
    expect(await second.accounting.admit(ask(1000))).toBe(1000);
    expect(second.accounting.limitWarnings).toEqual(['tokensPerDay']);
    expect(second.accounting.headers.get('x-tollgate-limit-warning')).toBe('tokensPerDay');
  });

  it('soft rate, concurrency and spend limits all warn, each once, in the header', async () => {
    const user = `soft-all-${crypto.randomUUID()}`;
    const first = open({ identity: identityOf(user, 'softEverything'), requestId: 'e1' });
    // $0.0001 = 100 micro-dollars: 50 in + 10 out fits, nothing warns.
    await first.accounting.admit(ask(10));
    expect(first.accounting.limitWarnings).toEqual([]);
    expect(first.accounting.headers.get('x-tollgate-limit-warning')).toBeNull();
    const second = open({ identity: identityOf(user, 'softEverything'), requestId: 'e2' });
    expect(await second.accounting.admit(ask(10))).toBe(10);
    expect(second.accounting.limitWarnings).toEqual([
      'requestsPerMinute',
      'concurrentRequests',
      'spendPerDayUsd',
    ]);
    expect(second.accounting.headers.get('x-tollgate-limit-warning')).toBe(
      'requestsPerMinute,concurrentRequests,spendPerDayUsd',
    );
    // The soft concurrency limit still took its lease: in flight counts both.
    expect(await heldBy(user)).toEqual({ leases: 2, reservations: 2 });
  });

  it('a soft budget clamps nothing, but the hard budget beside it still does', async () => {
    const user = `mixed-${crypto.randomUUID()}`;
    const { accounting } = open({ identity: identityOf(user, 'hardAndSoft'), requestId: 'm1' });
    // Hard 250/day leaves 200 after the input; the soft 60/month has room for 10 only.
    expect(await accounting.admit(ask(1000))).toBe(200);
    expect(accounting.limitWarnings).toEqual(['tokensPerMonth']);
  });
});

describe('settlement writes every ledger in one script', () => {
  it('user, team, key and the deployment get the totals and breakdowns; the entry names them', async () => {
    const user = `settle-${crypto.randomUUID()}`;
    const keyId = `key_${crypto.randomUUID()}`;
    await redis.hset(redisKeys.apiKeys(), { [keyId]: '{}' });
    const team = { id: `t-${crypto.randomUUID()}`, planName: 'softTiny' };
    const seen: SettledScope[][] = [];
    const { accounting, deferred } = open(
      {
        identity: identityOf(user, 'roomy', { keyId, keyLimits: { tokensPerDay: 10_000 } }),
        requestId: `req-${user}`,
        team,
        tags: ['feature:chat', 'env:prod'],
      },
      (ledgers) => {
        seen.push(ledgers);
      },
    );
    await accounting.admit(ask(500));
    await accounting.settle({
      model: 'test/m',
      provider: 'p',
      pricing,
      outcome: outcome(50, 300),
      attempts: [],
    });
    const day = periodsAt(Date.now()).day;
    const ledgers = [user, `team:${team.id}`, `key:${keyId}`, '*'];
    for (const ledger of ledgers) {
      const hash = await redis.hgetall<Record<string, number>>(redisKeys.usageDay(ledger, day));
      expect(hash).toMatchObject({
        requests: expect.any(Number),
        'm:test/m:requests': expect.any(Number),
        't:feature:chat:micro': expect.any(Number),
        't:env:prod:output': expect.any(Number),
      });
      expect(await heldBy(ledger)).toEqual({ leases: 0, reservations: 0 });
    }
    const own = await redis.hgetall<Record<string, number>>(redisKeys.usageDay(user, day));
    expect(own).toMatchObject({ requests: 1, input: 50, output: 300, tokens: 350, micro: 350 });
    const everyone = await redis.hgetall<Record<string, number>>(redisKeys.usageDay('*', day));
    expect(everyone?.[`u:${user}:micro`]).toBe(350);
    expect(everyone?.[`g:${team.id}:requests`]).toBe(1);
    // The team's soft 10-token budget was over: the entry carries the warning.
    const [entry] = await redis.lrange(redisKeys.requestLog(`team:${team.id}`), 0, 0);
    expect(entry).toMatchObject({
      tags: ['feature:chat', 'env:prod'],
      keyId,
      teamId: team.id,
      limitWarnings: ['tokensPerDay'],
    });
    // The hook runs deferred, after the settlement.
    await Promise.all(deferred);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.map((scope) => [scope.kind, scope.ledgerId])).toEqual([
      ['user', user],
      ['team', `team:${team.id}`],
      ['key', `key:${keyId}`],
    ]);
  });

  it('a cache hit counts against the rate window only and records what it saved', async () => {
    const user = `cache-${crypto.randomUUID()}`;
    const { accounting } = open({ identity: identityOf(user, 'roomy'), requestId: 'c1' });
    await accounting.admitCacheHit();
    expect(await heldBy(user)).toEqual({ leases: 0, reservations: 0 });
    const window = await shared.limiterFor('minute', 100).getRemaining(user);
    expect(window.remaining).toBe(99);
    await accounting.settleCacheHit({ model: 'test/m', provider: 'p', savedMicroUsd: 1234 });
    const day = periodsAt(Date.now()).day;
    const hash = await redis.hgetall<Record<string, number>>(redisKeys.usageDay(user, day));
    expect(hash).toMatchObject({ requests: 1, cached: 1, saved: 1234, tokens: 0, micro: 0 });
    const [entry] = await redis.lrange(redisKeys.requestLog(user), 0, 0);
    expect(entry).toMatchObject({ cached: true, savedMicroUsd: 1234, costMicroUsd: 0 });
  });
});
