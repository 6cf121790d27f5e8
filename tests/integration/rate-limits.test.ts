import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type OpenAIUpstream, startOpenAIUpstream } from '../doubles/openai-upstream';
import { startTestApp, type TestApp, testAdminToken } from '../support/app';

let upstream: OpenAIUpstream;
let app: TestApp;

beforeAll(async () => {
  upstream = await startOpenAIUpstream();
  app = await startTestApp({
    gatewayConfig: {
      providers: { upstream: { type: 'openai-compatible', baseURL: upstream.baseURL } },
      models: {
        'test/echo': {
          targets: [{ provider: 'upstream', model: 'echo' }],
          pricing: { inputPerMTok: 1, outputPerMTok: 2 },
        },
      },
      plans: {
        twentyPerMinute: { requestsPerMinute: 20 },
        twoAtATime: { concurrentRequests: 2 },
        unlimited: {},
      },
    },
  });
});
afterAll(async () => {
  await app?.stop();
  await upstream?.close();
});
beforeEach(() => upstream.reset());

function chat(
  key: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  return fetch(`${app.url}/api/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
    body: JSON.stringify({
      model: 'test/echo',
      stream: false,
      messages: [{ role: 'user', content: 'hi' }],
      ...extra,
    }),
  });
}

/**
 * The sliding window is two epoch-aligned minutes, the previous one weighted by how much of it is
 * still in view. Right after a boundary `floor(20 × 0.99) = 19` of the burst's 20 still count, so
 * a burst that straddles one lets a 21st through. The burst starts with the minute well ahead.
 */
async function untilEarlyInMinute(needMs = 20_000) {
  const leftMs = 60_000 - (Date.now() % 60_000);
  if (leftMs < needMs) await new Promise((resolve) => setTimeout(resolve, leftMs + 50));
}

function get(path: string, key: string, headers: Record<string, string> = {}) {
  return fetch(`${app.url}${path}`, { headers: { authorization: `Bearer ${key}`, ...headers } });
}

describe('request-rate limits', () => {
  it('200 concurrent requests on a 20-per-minute plan: exactly 20 succeed, 180 get 429 with Retry-After', async () => {
    const key = await app.createKey({ userId: 'burst-user', plan: 'twentyPerMinute' });
    await untilEarlyInMinute();
    const responses = await Promise.all(Array.from({ length: 200 }, () => chat(key)));
    const statuses = responses.map((response) => response.status);
    const counts = Object.fromEntries(
      [...new Set(statuses)].map((status) => [status, statuses.filter((s) => s === status).length]),
    );
    expect(counts).toEqual({ 200: 20, 429: 180 });
    const denied = responses.filter((response) => response.status === 429);
    expect(denied).toHaveLength(180);
    for (const response of denied) {
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(response.headers.get('x-ratelimit-limit-requests')).toBe('20');
      expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('0');
      expect((await response.json()).error.code).toBe('rate_limited');
    }
    const admitted = responses.find((response) => response.status === 200);
    expect(admitted?.headers.get('x-ratelimit-limit-requests')).toBe('20');
    expect(admitted?.headers.get('x-request-id')).toBeTruthy();
    expect(upstream.requests).toHaveLength(20);

    const otherKey = await app.createKey({ userId: 'bystander', plan: 'twentyPerMinute' });
    const other = await chat(otherKey);
    expect(other.status).toBe(200);
    expect(other.headers.get('x-ratelimit-remaining-requests')).toBe('19');
  });

  it('concurrentRequests 2 with 10 parallel slow streams: never more than 2 in flight', async () => {
    upstream.setBehavior({ chunkCount: 20, chunkDelayMs: 20 });
    const key = await app.createKey({ userId: 'parallel-user', plan: 'twoAtATime' });
    let peak = 0;
    const watcher = setInterval(() => {
      peak = Math.max(peak, upstream.inFlight);
    }, 2);
    const responses = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const response = await chat(key, { stream: true });
        await response.text();
        return response;
      }),
    );
    clearInterval(watcher);
    expect(peak).toBeLessThanOrEqual(2);
    expect(peak).toBeGreaterThan(0);
    expect(responses.filter((response) => response.status === 200)).toHaveLength(2);
    const denied = responses.filter((response) => response.status === 429);
    expect(denied).toHaveLength(8);
    expect(denied[0]?.headers.get('retry-after')).toBeTruthy();

    // The leases were released when the streams ended: the next two get in again.
    const again = await Promise.all([chat(key), chat(key)]);
    expect(again.map((response) => response.status)).toEqual([200, 200]);
  });
});

describe('identity', () => {
  it('ignores identity headers a client sends', async () => {
    const key = await app.createKey({ userId: 'honest-user', plan: 'unlimited' });
    const response = await chat(
      key,
      {},
      { 'x-tollgate-user': 'victim', 'x-tollgate-plan': 'unlimited', 'x-tollgate-admin': '1' },
    );
    expect(response.status).toBe(200);
    const mine = await (await get('/api/usage', key)).json();
    expect(mine.userId).toBe('honest-user');
    expect(mine.totals.requests).toBe(1);
    const spoofedAdmin = await get('/api/usage/users', key, {
      'x-tollgate-admin': '1',
      'x-tollgate-user': 'admin',
    });
    expect(spoofedAdmin.status).toBe(403);
    const victim = await (await get('/api/usage?userId=victim', testAdminToken)).json();
    expect(victim.totals.requests).toBe(0);
  });

  it('rejects a revoked key on the very next request', async () => {
    const created = await fetch(`${app.url}/api/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${testAdminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'short-lived', plan: 'unlimited' }),
    });
    const { id, key } = await created.json();
    expect((await chat(key)).status).toBe(200);
    const revoked = await fetch(`${app.url}/api/keys/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${testAdminToken}` },
    });
    expect(revoked.status).toBe(200);
    const after = await chat(key);
    expect(after.status).toBe(401);
    expect((await after.json()).error.code).toBe('invalid_api_key');
  });

  it("lets a user read only their own usage, and the admin everyone's", async () => {
    const alice = await app.createKey({ userId: 'alice', plan: 'unlimited' });
    const bob = await app.createKey({ userId: 'bob', plan: 'unlimited' });
    await chat(alice);
    await chat(bob);
    const forbidden = await get('/api/usage?userId=bob', alice);
    expect(forbidden.status).toBe(403);
    expect((await forbidden.json()).error.code).toBe('forbidden');
    expect((await get('/api/usage/users', alice)).status).toBe(403);
    expect((await get('/api/keys', alice)).status).toBe(403);
    for (const user of ['alice', 'bob']) {
      const usage = await (await get(`/api/usage?userId=${user}`, testAdminToken)).json();
      expect(usage.userId).toBe(user);
      expect(usage.totals.requests).toBe(1);
    }
    const everyone = await (await get('/api/usage/users', testAdminToken)).json();
    const ids = everyone.users.map((user: { userId: string }) => user.userId);
    expect(ids).toEqual(expect.arrayContaining(['alice', 'bob']));
  });

  it('answers requests without credentials or with an unknown key with 401', async () => {
    const anonymous = await fetch(`${app.url}/api/usage`);
    expect(anonymous.status).toBe(401);
    const unknown = await chat('tg_this-key-was-never-issued-by-anyone');
    expect(unknown.status).toBe(401);
    expect((await unknown.json()).error.code).toBe('invalid_api_key');
  });
});
