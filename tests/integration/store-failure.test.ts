import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app';

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({
    gatewayConfig: {
      providers: { demo: { type: 'demo', tokenDelayMs: 0 } },
      plans: {
        strict: { tokensPerDay: 100_000 },
        lenient: { tokensPerDay: 100_000, failOpen: true },
      },
      guestPlan: 'lenient',
    },
  });
});
afterAll(() => app?.stop());

function chat(headers: Record<string, string>) {
  return fetch(`${app.url}/api/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ stream: false, messages: [{ role: 'user', content: 'hi' }] }),
  });
}

describe('when Redis goes away', () => {
  it('fails closed with 503 within a bounded time, fails open for a plan that asks (guests and keys it knows), and recovers by itself', async () => {
    const key = await app.createKey({ userId: 'store-user', plan: 'strict' });
    expect((await chat({ authorization: `Bearer ${key}` })).status).toBe(200);
    const lenientKey = await app.createKey({ userId: 'lenient-user', plan: 'lenient' });
    expect((await chat({ authorization: `Bearer ${lenientKey}` })).status).toBe(200);
    const unseenLenientKey = await app.createKey({ userId: 'unseen-user', plan: 'lenient' });
    const guestCookie = (await fetch(app.url)).headers.get('set-cookie')?.split(';')[0] ?? '';

    await app.redis.stop();
    const startedAt = Date.now();
    const refused = await chat({ authorization: `Bearer ${key}` });
    expect(Date.now() - startedAt).toBeLessThan(8_000);
    expect(refused.status).toBe(503);
    expect((await refused.json()).error.code).toBe('store_unavailable');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

    // The guest plan says failOpen: a guest keeps chatting while the store is down.
    const served = await chat({ cookie: guestCookie });
    expect(served.status).toBe(200);
    expect((await served.json()).text).toContain('You asked');
    // So does a key of that plan this instance has seen; one it never saw cannot be looked up.
    expect((await chat({ authorization: `Bearer ${lenientKey}` })).status).toBe(200);
    const unseen = await chat({ authorization: `Bearer ${unseenLenientKey}` });
    expect(unseen.status).toBe(503);
    expect((await unseen.json()).error.code).toBe('store_unavailable');

    const health = await fetch(`${app.url}/api/health`);
    expect(health.status).toBe(503);
    expect((await health.json()).redis).toBe('unavailable');

    await app.redis.restart();
    // Recovery needs no restart of the app: the health check turns ok by itself.
    const deadline = Date.now() + 10_000;
    let redisStatus = '';
    while (Date.now() < deadline && redisStatus !== 'ok') {
      redisStatus = (await (await fetch(`${app.url}/api/health`)).json()).redis;
      if (redisStatus !== 'ok') await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(redisStatus).toBe('ok');
    // The restarted Redis is empty (no persistence), so the old key is gone; a new one works
    // at once, with no restart of the app.
    const newKey = await app.createKey({ userId: 'store-user', plan: 'strict' });
    expect((await chat({ authorization: `Bearer ${newKey}` })).status).toBe(200);
  });
});
