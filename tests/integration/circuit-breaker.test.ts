import { randomUUID } from 'node:crypto';
import { Redis } from '@upstash/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CircuitBreaker, createCircuitBreaker } from '@/lib/routing/circuit';
import { type LocalRedis, startRedis } from '../../scripts/local-redis.mjs';
import { type Bridge, startBridge } from '../../scripts/upstash-bridge.mjs';

// The circuit breaker's Lua scripts against a real Redis behind the Upstash REST bridge, with an
// injected clock: threshold, window, cool-down and the single probe, without waiting for any.
const TOKEN = randomUUID();
const routing = {
  firstTokenTimeoutMs: 1_000,
  requestTimeoutMs: 10_000,
  circuitFailureThreshold: 3,
  circuitWindowMs: 10_000,
  circuitCooldownMs: 5_000,
};

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

function breakerAt(start = 1_000_000) {
  let time = start;
  const breaker = createCircuitBreaker(redis, routing, () => time);
  return {
    breaker,
    advance: (ms: number) => {
      time += ms;
    },
  };
}
const uniqueKey = () => `test/${randomUUID()}`;

async function failTimes(breaker: CircuitBreaker, key: string, times: number) {
  for (let index = 0; index < times; index++) await breaker.recordFailure(key);
}

describe('circuit breaker on Redis', () => {
  it('stays closed below the threshold and opens at it', async () => {
    const { breaker } = breakerAt();
    const key = uniqueKey();
    for (let index = 1; index < routing.circuitFailureThreshold; index++) {
      await breaker.recordFailure(key);
      expect(await breaker.check([key])).toEqual(['closed']);
    }
    await breaker.recordFailure(key);
    expect(await breaker.check([key])).toEqual(['open']);
  });

  it('forgets failures older than the window', async () => {
    const { breaker, advance } = breakerAt();
    const key = uniqueKey();
    for (let index = 1; index < routing.circuitFailureThreshold; index++) {
      await breaker.recordFailure(key);
    }
    advance(routing.circuitWindowMs + 1);
    await breaker.recordFailure(key);
    expect(await breaker.check([key])).toEqual(['closed']);
  });

  it('after the cool-down hands exactly one caller a probe; success closes the circuit', async () => {
    const { breaker, advance } = breakerAt();
    const key = uniqueKey();
    const other = uniqueKey();
    await failTimes(breaker, key, routing.circuitFailureThreshold);
    advance(routing.circuitCooldownMs);
    // Checked concurrently, in one pipeline: one probe, the rest still see it open.
    const states = await Promise.all(Array.from({ length: 5 }, () => breaker.check([key, other])));
    expect(states.filter(([state]) => state === 'probe')).toHaveLength(1);
    expect(states.filter(([state]) => state === 'open')).toHaveLength(4);
    expect(states.every(([, state]) => state === 'closed')).toBe(true);
    expect(await breaker.peek([key])).toEqual(['open']);

    await breaker.recordSuccess(key);
    expect(await breaker.check([key])).toEqual(['closed']);
  });

  it('gives the probe back after one first-token timeout when the prober never reports', async () => {
    const { breaker, advance } = breakerAt();
    const key = uniqueKey();
    await failTimes(breaker, key, routing.circuitFailureThreshold);
    advance(routing.circuitCooldownMs);
    expect(await breaker.check([key])).toEqual(['probe']);
    advance(routing.firstTokenTimeoutMs - 1);
    expect(await breaker.check([key])).toEqual(['open']);
    advance(1);
    expect(await breaker.check([key])).toEqual(['probe']);
  });

  it('reopens for a whole cool-down when the probe fails', async () => {
    const { breaker, advance } = breakerAt();
    const key = uniqueKey();
    await failTimes(breaker, key, routing.circuitFailureThreshold);
    advance(routing.circuitCooldownMs);
    expect(await breaker.check([key])).toEqual(['probe']);
    await breaker.recordFailure(key);
    advance(routing.circuitCooldownMs - 1);
    expect(await breaker.peek([key])).toEqual(['open']);
    advance(1);
    expect(await breaker.peek([key])).toEqual(['probe']);
  });
});
