import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UsageOverview } from '@/lib/usage/overview';
import type { UsageReport } from '@/lib/usage/queries';
import { startTestApp, type TestApp, testAdminToken } from '../support/app';
import { settledTotals } from '../support/usage';

let app: TestApp;

// The demo provider priced like a real model, so spend is not zero; two models to rank.
const gatewayConfig = {
  models: {
    'demo/priced': {
      targets: [{ provider: 'demo', model: 'instant' }],
      pricing: { inputPerMTok: 3, outputPerMTok: 15 },
    },
    'demo/cheap': {
      targets: [{ provider: 'demo', model: 'instant' }],
      pricing: { inputPerMTok: 1, outputPerMTok: 1 },
    },
    'demo/cached': {
      targets: [{ provider: 'demo', model: 'instant' }],
      pricing: { inputPerMTok: 2, outputPerMTok: 4 },
      cache: { maxAgeSeconds: 60 },
    },
  },
};

beforeAll(async () => {
  app = await startTestApp({ gatewayConfig });
});
afterAll(async () => {
  await app?.stop();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function getJson<T>(path: string, token: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${app.url}${path}`, { headers: bearer(token) });
  return { status: response.status, body: (await response.json()) as T };
}

/** Settlement runs after the response: poll until the overview has counted `requests`. */
async function settledOverview(requests: number, period = 'month'): Promise<UsageOverview> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { body } = await getJson<UsageOverview>(
      `/api/usage/overview?period=${period}`,
      testAdminToken,
    );
    if (body.totals.requests >= requests || Date.now() > deadline) return body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const withoutName = ({ requests, inputTokens, outputTokens, costUsd }: UsageReport['totals']) => ({
  requests,
  inputTokens,
  outputTokens,
  costUsd,
});

describe('GET /api/usage/overview', () => {
  it("sums every user's settled requests into the deployment's totals, days, top users, models and tags", async () => {
    const aliceKey = await app.createKey({ userId: 'overview-alice' });
    const bobKey = await app.createKey({ userId: 'overview-bob' });
    const alice = new OpenAI({ baseURL: `${app.url}/api/v1`, apiKey: aliceKey, maxRetries: 0 });
    for (const content of ['One question.', 'Another, longer question about the overview.']) {
      await alice.chat.completions.create({
        model: 'demo/priced',
        messages: [{ role: 'user', content }],
      });
    }
    const chat = await fetch(`${app.url}/api/chat`, {
      method: 'POST',
      headers: {
        ...bearer(bobKey),
        'content-type': 'application/json',
        'x-tollgate-tags': 'feature:chat,env:prod',
      },
      body: JSON.stringify({
        stream: false,
        model: 'demo/cheap',
        messages: [{ role: 'user', content: 'Hello from Bob' }],
      }),
    });
    expect(chat.status).toBe(200);

    const overview = await settledOverview(3);
    const aliceUsage = (await getJson<UsageReport>('/api/usage', aliceKey)).body;
    const bobUsage = (await getJson<UsageReport>('/api/usage', bobKey)).body;
    expect(aliceUsage.totals.requests).toBe(2);
    expect(bobUsage.totals.requests).toBe(1);

    const sum = {
      requests: 3,
      inputTokens: aliceUsage.totals.inputTokens + bobUsage.totals.inputTokens,
      outputTokens: aliceUsage.totals.outputTokens + bobUsage.totals.outputTokens,
      costUsd: aliceUsage.totals.costUsd + bobUsage.totals.costUsd,
    };
    expect(overview.totals).toMatchObject({ ...sum, costUsd: expect.closeTo(sum.costUsd, 6) });
    expect(overview.totals).toMatchObject({ cachedRequests: 0, savedUsd: 0 });
    expect(overview.totals.costUsd).toBeGreaterThan(0);

    // Alice asked the dearer model twice: she tops the users, it tops the models.
    expect(overview.topUsers).toEqual([
      { userId: 'overview-alice', ...withoutName(aliceUsage.totals) },
      { userId: 'overview-bob', ...withoutName(bobUsage.totals) },
    ]);
    expect(overview.topModels.map((model) => model.model)).toEqual(['demo/priced', 'demo/cheap']);
    expect(overview.topModels[0]).toMatchObject(withoutName(aliceUsage.totals));
    expect(overview.counts).toEqual({ users: 2, teams: 0, models: 2, tags: 2 });
    // Only Bob's request was tagged, with two tags: each tag's row is that request.
    expect(overview.topTags).toEqual([
      { tag: 'env:prod', ...withoutName(bobUsage.totals) },
      { tag: 'feature:chat', ...withoutName(bobUsage.totals) },
    ]);

    const today = new Date().toISOString().slice(0, 10);
    expect(overview.byDay.at(-1)).toMatchObject({ day: today, requests: 3 });
    const day = await settledOverview(3, 'day');
    expect(day.totals).toEqual(overview.totals);
    expect(day.byDay).toHaveLength(1);
  });

  it('counts a response-cache hit as a cached request and its saving, at no spend', async () => {
    const before = await settledOverview(0);
    const key = await app.createKey({ userId: 'overview-cache' });
    const ask = async () => {
      const response = await fetch(`${app.url}/api/chat`, {
        method: 'POST',
        headers: {
          ...bearer(key),
          'content-type': 'application/json',
          'cache-control': 'max-age=60',
        },
        body: JSON.stringify({
          stream: false,
          model: 'demo/cached',
          messages: [{ role: 'user', content: 'The same question twice' }],
        }),
      });
      expect(response.status).toBe(200);
      return { cache: response.headers.get('x-tollgate-cache'), body: await response.json() };
    };
    const first = await ask();
    // The hit is looked up only once the miss has been stored (after its response).
    let asked = 1;
    const deadline = Date.now() + 10_000;
    let second = await ask();
    asked++;
    while (second.cache !== 'hit' && Date.now() < deadline) {
      second = await ask();
      asked++;
    }
    expect([first.cache, second.cache]).toEqual(['miss', 'hit']);

    const own = await settledTotals(app, key, asked);
    expect(own.requests).toBe(asked);
    const overview = await settledOverview(before.totals.requests + asked);
    const firstCost = first.body.costUsd as number;
    expect(firstCost).toBeGreaterThan(0);
    expect(overview.totals.requests - before.totals.requests).toBe(asked);
    expect(overview.totals.cachedRequests - before.totals.cachedRequests).toBe(1);
    expect(overview.totals.savedUsd - before.totals.savedUsd).toBeCloseTo(firstCost, 6);
    // Only the misses were billed.
    expect(overview.totals.costUsd - before.totals.costUsd).toBeCloseTo(firstCost * (asked - 1), 6);
  });

  it('is for administrators only, and a bad period is a 400 naming it', async () => {
    const userKey = await app.createKey({ userId: 'overview-user' });
    const forbidden = await getJson<{ error: { code: string } }>('/api/usage/overview', userKey);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.code).toBe('forbidden');

    const anonymous = await fetch(`${app.url}/api/usage/overview`);
    expect(anonymous.status).toBe(401);

    const bad = await getJson<{ error: { code: string; param: string } }>(
      '/api/usage/overview?period=year',
      testAdminToken,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'invalid_request', param: 'period' });
  });
});
