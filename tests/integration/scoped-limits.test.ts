import { Redis } from '@upstash/redis';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { periodsAt } from '@/lib/limits/periods';
import { estimatePromptTokens } from '@/lib/tokens';
import { type OpenAIUpstream, startOpenAIUpstream } from '../doubles/openai-upstream';
import { startTestApp, type TestApp, testAdminToken } from '../support/app';

let upstream: OpenAIUpstream;
let app: TestApp;
let redis: Redis;

const question = [{ role: 'user' as const, content: 'Tell me a long story.' }];
// The upstream reports exactly what the gateway estimates, so the bounds below are exact; the
// estimate's error is the only slack the contract allows.
const inputEstimate = estimatePromptTokens(question);
// A token costs $0.001, so a $1 team budget is a few requests.
const prices = { inputPerMTok: 1000, outputPerMTok: 1000 };

beforeAll(async () => {
  upstream = await startOpenAIUpstream();
  app = await startTestApp({
    gatewayConfig: {
      providers: { upstream: { type: 'openai-compatible', baseURL: upstream.baseURL } },
      models: {
        'test/priced': { targets: [{ provider: 'upstream', model: 'p' }], pricing: prices },
      },
      plans: {
        member: { spendPerMonthUsd: 100 },
        teamDollar: { spendPerMonthUsd: 1 },
        softTokens: { tokensPerDay: 100, soft: ['tokensPerDay'] },
        roomy: { tokensPerMonth: 1_000_000 },
      },
    },
  });
  redis = new Redis({ url: app.bridge.url, token: app.redisToken, enableAutoPipelining: false });
});
afterAll(async () => {
  await app?.stop();
  await upstream?.close();
});
beforeEach(() => {
  upstream.reset();
  upstream.setBehavior({ promptTokens: inputEstimate });
});

function client(key: string) {
  return new OpenAI({ baseURL: `${app.url}/api/v1`, apiKey: key, maxRetries: 0 });
}

/** Streams one completion with include_usage; resolves to its status, usage and error. */
async function streamCompletion(key: string, maxTokens: number) {
  try {
    const stream = await client(key).chat.completions.create({
      model: 'test/priced',
      messages: question,
      max_tokens: maxTokens,
      stream: true,
      stream_options: { include_usage: true },
    });
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
    return { status: 200, usage, message: '' };
  } catch (error) {
    const { status, message } = error as { status: number; message: string };
    return { status, usage: undefined, message };
  }
}

/** A team with its members, through the admin API. */
async function seedTeam(id: string, plan: string, members: string[]) {
  const admin = { authorization: `Bearer ${testAdminToken}`, 'content-type': 'application/json' };
  const created = await fetch(`${app.url}/api/teams`, {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({ id, name: id, plan }),
  });
  expect(created.status).toBe(201);
  for (const member of members) {
    const added = await fetch(`${app.url}/api/teams/${id}/members/${member}`, {
      method: 'PUT',
      headers: admin,
    });
    expect(added.status).toBeLessThan(300);
  }
}

async function monthMicro(ledgerId: string): Promise<number> {
  const month = periodsAt(Date.now()).month;
  return Number((await redis.hget(`tg:usage:${ledgerId}:m:${month}`, 'micro')) ?? 0);
}

/** Settlement runs after the response; waits until the ledger shows `requests`. */
async function settledRequests(ledgerId: string, requests: number) {
  const month = periodsAt(Date.now()).month;
  await expect
    .poll(
      async () => Number((await redis.hget(`tg:usage:${ledgerId}:m:${month}`, 'requests')) ?? 0),
      {
        timeout: 10_000,
      },
    )
    .toBeGreaterThanOrEqual(requests);
}

describe('a team shares one budget', () => {
  it("a team budget of $1 shared by two users' keys, 40 concurrent requests from both: recorded team spend ≤ $1; the user whose own budget has room is refused once the team's is used up, and another team is unaffected", async () => {
    const run = crypto.randomUUID().slice(0, 8);
    const [alice, bob, carol] = ['alice', 'bob', 'carol'].map((name) => `${name}-${run}`) as [
      string,
      string,
      string,
    ];
    await seedTeam(`a-${run}`, 'teamDollar', [alice, bob]);
    await seedTeam(`b-${run}`, 'teamDollar', [carol]);
    const aliceKey = await app.createKey({ userId: alice, plan: 'member' });
    const bobKey = await app.createKey({ userId: bob, plan: 'member' });
    const carolKey = await app.createKey({ userId: carol, plan: 'member' });
    upstream.setBehavior({ chunkCount: 100, promptTokens: inputEstimate });

    const results = await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        streamCompletion(index % 2 ? bobKey : aliceKey, 100),
      ),
    );
    const admitted = results.filter((result) => result.status === 200);
    expect(results.filter((result) => result.status === 402)).toHaveLength(40 - admitted.length);
    expect(admitted.length).toBeGreaterThanOrEqual(8);
    expect(admitted.length).toBeLessThan(40);

    await settledRequests(`team:a-${run}`, admitted.length);
    const teamMicro = await monthMicro(`team:a-${run}`);
    expect(teamMicro).toBeLessThanOrEqual(1_000_000);
    expect(teamMicro).toBe((await monthMicro(alice)) + (await monthMicro(bob)));
    const reported = admitted.reduce((sum, result) => sum + (result.usage?.total_tokens ?? 0), 0);
    expect(teamMicro).toBe(reported * 1000);
    expect(await redis.zcard(`tg:reservations:team:a-${run}`)).toBe(0);

    // Alice's own $100 has room; the team's $1 does not.
    expect(await monthMicro(alice)).toBeLessThan(100_000_000);
    const refused = await streamCompletion(aliceKey, 100);
    expect(refused.status).toBe(402);
    expect(refused.message).toContain("team's plan");
    const limits = await (
      await fetch(`${app.url}/api/limits`, { headers: { authorization: `Bearer ${aliceKey}` } })
    ).json();
    // At most the team's $1 of her own $100 is spent, however the 40 requests fell.
    expect(limits.limits.spendPerMonthUsd.remaining).toBeGreaterThanOrEqual(99);
    expect(limits.scopes.team).toMatchObject({ id: `a-${run}`, plan: 'teamDollar' });
    expect(limits.scopes.team.limits.spendPerMonthUsd.used).toBeCloseTo(teamMicro / 1e6, 9);

    expect((await streamCompletion(carolKey, 100)).status).toBe(200);
  });
});

describe('soft limits', () => {
  it('a soft-limited request over its limit is served with the warning header and recorded', async () => {
    const userId = `soft-${crypto.randomUUID().slice(0, 8)}`;
    const key = await app.createKey({ userId, plan: 'softTokens' });
    upstream.setBehavior({ chunkCount: 150, promptTokens: inputEstimate });
    // 100 tokens a day, soft: the first answer is not clamped to them.
    const first = await streamCompletion(key, 150);
    expect(first.usage?.completion_tokens).toBe(150);
    await settledRequests(userId, 1);

    const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
    const endpoints = [
      ['/api/v1/chat/completions', { model: 'test/priced', messages: question }],
      ['/api/chat', { model: 'test/priced', stream: false, messages: question }],
      ['/api/v1/responses', { model: 'test/priced', input: 'Tell me a long story.' }],
      ['/api/anthropic/v1/messages', { model: 'test/priced', max_tokens: 150, messages: question }],
    ] as const;
    for (const [path, body] of endpoints) {
      const response = await fetch(`${app.url}${path}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
      });
      expect([path, response.status]).toEqual([path, 200]);
      expect([path, response.headers.get('x-tollgate-limit-warning')]).toEqual([
        path,
        'tokensPerDay',
      ]);
      await response.text();
    }
    await settledRequests(userId, 1 + endpoints.length);
    const usage = await (
      await fetch(`${app.url}/api/usage?period=day`, {
        headers: { authorization: `Bearer ${key}` },
      })
    ).json();
    expect(usage.totals.inputTokens + usage.totals.outputTokens).toBeGreaterThan(100);
    expect(usage.recent[0]).toMatchObject({ limitWarnings: ['tokensPerDay'] });
    expect(usage.recent.at(-1).limitWarnings).toBeUndefined();

    const limits = await (
      await fetch(`${app.url}/api/limits`, { headers: { authorization: `Bearer ${key}` } })
    ).json();
    expect(limits.limits.tokensPerDay).toMatchObject({ mode: 'soft', remaining: 0 });
  });
});

describe("a key's own limits", () => {
  it("a key's own budget refuses while the plan has room; another key of the same user is unaffected", async () => {
    const userId = `keyed-${crypto.randomUUID().slice(0, 8)}`;
    const created = await fetch(`${app.url}/api/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${testAdminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        userId,
        plan: 'roomy',
        name: 'limited',
        limits: { tokensPerDay: 300 },
      }),
    });
    expect(created.status).toBe(201);
    const record = (await created.json()) as { id: string; key: string };
    const limited = record.key;
    const unlimited = await app.createKey({ userId, plan: 'roomy' });

    upstream.setBehavior({ chunkCount: 200, promptTokens: inputEstimate });
    const results = [];
    for (let attempt = 0; attempt < 4; attempt++)
      results.push(await streamCompletion(limited, 200));
    const served = results.filter((result) => result.status === 200);
    const tokens = served.reduce((sum, result) => sum + (result.usage?.total_tokens ?? 0), 0);
    expect(tokens).toBeLessThanOrEqual(300);
    expect(results.at(-1)).toMatchObject({ status: 402 });
    expect(results.at(-1)?.message).toContain('this API key');

    const limits = await (
      await fetch(`${app.url}/api/limits`, { headers: { authorization: `Bearer ${limited}` } })
    ).json();
    expect(limits.limits.tokensPerMonth.remaining).toBeGreaterThan(999_000);
    expect(limits.scopes.key).toMatchObject({ id: record.id });
    expect(limits.scopes.key.limits.tokensPerDay).toMatchObject({ limit: 300, mode: 'hard' });
    expect((await streamCompletion(unlimited, 200)).status).toBe(200);
  });
});
