import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAIUpstream, startOpenAIUpstream } from '../doubles/openai-upstream';
import { startTestApp, type TestApp } from '../support/app';
import { quietBridge, type RawRedis, waitForLogEntries } from '../support/settled';

let upstream: OpenAIUpstream;
let app: TestApp;
let key: string;
// Straight to redis-server, not through the bridge whose requests the tests count.
let rawRedis: RawRedis;
let sent = 0;

beforeAll(async () => {
  upstream = await startOpenAIUpstream({ chunkCount: 8 });
  app = await startTestApp({
    gatewayConfig: {
      providers: { upstream: { type: 'openai-compatible', baseURL: upstream.baseURL } },
      models: {
        'test/fast': {
          targets: [{ provider: 'upstream', model: 'fast' }],
          pricing: { inputPerMTok: 1, outputPerMTok: 2 },
        },
      },
      plans: {
        // Every kind of limit at once: rate windows, a concurrency lease, token and dollar budgets.
        everything: {
          requestsPerMinute: 1000,
          requestsPerDay: 10_000,
          concurrentRequests: 8,
          tokensPerDay: 1_000_000,
          tokensPerMonth: 10_000_000,
          spendPerDayUsd: 10,
          spendPerMonthUsd: 100,
        },
      },
    },
  });
  key = await app.createKey({ userId: 'hot-path-user', plan: 'everything' });
  rawRedis = createClient({ url: app.redis.url });
  await rawRedis.connect();
});
afterAll(async () => {
  await rawRedis?.quit();
  await app?.stop();
  await upstream?.close();
});

const requests = {
  'a non-streaming /api/v1 completion': {
    path: '/api/v1/chat/completions',
    body: { model: 'test/fast', messages: [{ role: 'user', content: 'hi' }] },
  },
  'a streaming /api/v1 completion': {
    path: '/api/v1/chat/completions',
    body: { model: 'test/fast', stream: true, messages: [{ role: 'user', content: 'hi' }] },
  },
  'an /api/chat UI stream': {
    path: '/api/chat',
    body: { model: 'test/fast', messages: [{ role: 'user', content: 'hi' }] },
  },
  'an /api/chat JSON answer': {
    path: '/api/chat',
    body: { model: 'test/fast', stream: false, messages: [{ role: 'user', content: 'hi' }] },
  },
};

function send({ path, body }: { path: string; body: unknown }) {
  sent += 1;
  return fetch(`${app.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
}

/** Every request sent so far is settled, then the bridge is quiet: the work after them is done. */
async function settledAndQuiet(): Promise<number> {
  await waitForLogEntries(rawRedis, 'hot-path-user', sent);
  return quietBridge(app);
}

describe('the hot path to Redis', () => {
  it.each(Object.entries(requests))(
    'a keyed request on a plan with rate limits, concurrency and budgets makes at most one Redis round trip before the first upstream byte: %s',
    async (_name, request) => {
      // The first request of a key loads its record into middleware's cache and the Lua scripts
      // into Redis; every later one is the hot path.
      await (await send(request)).text();
      const before = await settledAndQuiet();

      // The double logs a request as soon as it is in; this runs in the microtask right after,
      // before the bridge could have taken any other request.
      const atUpstream = upstream
        .waitForRequests(upstream.requests.length + 1, 10_000)
        .then(() => app.bridge.stats.httpRequests);
      const response = await send(request);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-ratelimit-limit-requests')).toBe('1000');
      expect(response.headers.get('x-ratelimit-limit-tokens')).toBe('1000000');
      await response.text();

      // Exactly one: at most one is the target, and none would mean nothing was admitted.
      expect((await atUpstream) - before).toBe(1);
      // Settlement (usage, reservation and lease together) is the only trip after the answer.
      expect((await settledAndQuiet()) - before).toBe(2);
    },
  );
});
