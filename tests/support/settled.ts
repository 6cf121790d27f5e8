import type { createClient } from 'redis';
import { redisKeys } from '@/lib/limits/keys';
import type { TestApp } from './app';

/** A client straight to redis-server, not through the bridge whose requests some tests count. */
export type RawRedis = ReturnType<typeof createClient>;

/**
 * Waits until the user's request log holds `count` entries: that many of their requests are
 * settled. A busy machine can delay a settlement past any quiet interval, so it is waited for.
 */
export async function waitForLogEntries(raw: RawRedis, userId: string, count: number) {
  const deadline = Date.now() + 10_000;
  while ((await raw.lLen(redisKeys.requestLog(userId))) < count) {
    if (Date.now() > deadline) throw new Error(`fewer than ${count} requests were settled in 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Waits until the bridge saw no request for 100 ms; resolves to its request count then. */
export async function quietBridge(app: Pick<TestApp, 'bridge'>): Promise<number> {
  let last = app.bridge.stats.httpRequests;
  for (let waited = 0; waited < 5_000; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    if (app.bridge.stats.httpRequests === last) return last;
    last = app.bridge.stats.httpRequests;
  }
  throw new Error('the bridge never went quiet');
}
