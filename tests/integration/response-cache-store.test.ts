import { randomUUID } from 'node:crypto';
import { Redis } from '@upstash/redis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CachedResponse, createResponseCache } from '@/lib/cache/store';
import { redisKeys } from '@/lib/limits/keys';
import { type LocalRedis, startRedis } from '../../scripts/local-redis.mjs';
import { type Bridge, startBridge } from '../../scripts/upstash-bridge.mjs';

// The store's Lua script against a real redis-server behind the Upstash bridge, with the clock
// injected: sizes, eviction and ages without waiting.

const token = randomUUID();
let server: LocalRedis;
let bridge: Bridge;
let redis: Redis;

beforeAll(async () => {
  server = await startRedis();
  bridge = await startBridge({ redisUrl: server.url, token });
  redis = new Redis({ url: bridge.url, token, enableAutoPipelining: false, retry: false });
});
afterAll(async () => {
  await bridge?.close();
  await server?.stop();
});
beforeEach(async () => {
  await redis.flushdb();
});

let time = 1_000_000;
const now = () => time;

function entry(body: string): CachedResponse {
  return {
    v: 1,
    storedAt: time,
    status: 200,
    headers: [['content-type', 'application/json']],
    chunks: [btoa(body)],
    model: 'test/model',
    provider: 'upstream',
    savedMicroUsd: 27,
  };
}

const sizeOf = (stored: CachedResponse) => new TextEncoder().encode(JSON.stringify(stored)).length;

async function totals() {
  return {
    bytes: Number(await redis.get(redisKeys.cacheBytes())),
    sizes: await redis.hgetall(redisKeys.cacheSizes()),
    indexed: await redis.zcard(redisKeys.cacheIndex()),
  };
}

describe('the response cache store', () => {
  it('serves an entry up to the age a request accepts, and not past it', async () => {
    const cache = createResponseCache({ redis, maxTotalBytes: 1_000_000, now });
    const stored = entry('{"answer":1}');
    await cache.save('a', stored, 60);
    expect(await cache.lookup('a', 5_000)).toEqual(stored);
    time += 5_000;
    expect(await cache.lookup('a', 5_000)).toEqual(stored);
    time += 1;
    expect(await cache.lookup('a', 5_000)).toBeUndefined();
    expect(await cache.lookup('a', 60_000)).toEqual(stored);
    expect(await cache.lookup('missing', 60_000)).toBeUndefined();
  });

  it('keeps each entry with its TTL and counts its stored size once, even when replaced', async () => {
    const cache = createResponseCache({ redis, maxTotalBytes: 1_000_000, now });
    const first = entry('{"answer":"first"}');
    await cache.save('a', first, 60);
    const ttl = await redis.pttl(redisKeys.cacheEntry('a'));
    expect(ttl).toBeGreaterThan(59_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    const second = entry('{"answer":"second, longer"}');
    await cache.save('a', second, 60);
    expect(await totals()).toEqual({
      bytes: sizeOf(second),
      sizes: { [redisKeys.cacheEntry('a')]: sizeOf(second) },
      indexed: 1,
    });
  });

  it('evicts the entries closest to expiry while the total is over its cap', async () => {
    const one = entry('x'.repeat(100));
    const cache = createResponseCache({ redis, maxTotalBytes: sizeOf(one) * 2, now });
    await cache.save('soon', one, 10);
    await cache.save('later', one, 600);
    await cache.save('latest', one, 300);
    expect(await cache.lookup('soon', 60_000)).toBeUndefined();
    expect(await cache.lookup('later', 60_000)).toEqual(one);
    expect(await cache.lookup('latest', 60_000)).toEqual(one);
    expect(await totals()).toMatchObject({ bytes: sizeOf(one) * 2, indexed: 2 });
  });

  it('forgets expired entries in the index and the total on the next write', async () => {
    const one = entry('y'.repeat(50));
    const cache = createResponseCache({ redis, maxTotalBytes: 1_000_000, now });
    await cache.save('brief', one, 1);
    time += 2_000;
    await cache.save('next', one, 60);
    expect(await totals()).toEqual({
      bytes: sizeOf(one),
      sizes: { [redisKeys.cacheEntry('next')]: sizeOf(one) },
      indexed: 1,
    });
  });
});
