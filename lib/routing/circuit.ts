import type { Redis } from '@upstash/redis';

import type { RoutingConfig, Target } from '@/lib/config';

export type CircuitState = 'closed' | 'open' | 'probe';

/** A circuit is kept per target: `provider/upstream model`. */
export const circuitKeyOf = (target: Target) => `${target.provider}/${target.model}`;

/** Skips targets that keep failing, for every instance at once: the state lives in Redis. */
export interface CircuitBreaker {
  /** The state of each key; an `open` circuit past its cool-down hands exactly one caller `probe`. */
  check(keys: string[]): Promise<CircuitState[]>;
  /** The states without claiming a probe: for health and the catalog. */
  peek(keys: string[]): Promise<CircuitState[]>;
  recordFailure(key: string): Promise<void>;
  recordSuccess(key: string): Promise<void>;
}

const circuitKey = (key: string) => `tg:circuit:${key}`;

// KEYS: circuit   ARGV: now, probe lease (ms)
// Returns 0 closed, 1 open, 2 probe (this caller may try the target once).
const checkScript = `
local openUntil = tonumber(redis.call('HGET', KEYS[1], 'openUntil') or '0')
if openUntil == 0 then return 0 end
local now = tonumber(ARGV[1])
if now < openUntil then return 1 end
redis.call('HSET', KEYS[1], 'openUntil', now + tonumber(ARGV[2]))
return 2
`;

// KEYS: circuit   ARGV: now, threshold, window (ms), cool-down (ms)
const failureScript = `
local now = tonumber(ARGV[1])
local openUntil = tonumber(redis.call('HGET', KEYS[1], 'openUntil') or '0')
if openUntil > 0 then
  redis.call('HSET', KEYS[1], 'openUntil', now + tonumber(ARGV[4]))
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]) * 10)
  return 1
end
local windowStart = tonumber(redis.call('HGET', KEYS[1], 'windowStart') or '0')
if now - windowStart > tonumber(ARGV[3]) then
  redis.call('HSET', KEYS[1], 'windowStart', now, 'failures', 0)
end
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
if failures >= tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], 'openUntil', now + tonumber(ARGV[4]))
end
redis.call('PEXPIRE', KEYS[1], math.max(tonumber(ARGV[3]), tonumber(ARGV[4])) * 10)
return failures
`;

const states: CircuitState[] = ['closed', 'open', 'probe'];

export function createCircuitBreaker(
  redis: Redis,
  routing: RoutingConfig,
  now: () => number = Date.now,
): CircuitBreaker {
  const check = redis.createScript<number>(checkScript);
  const failure = redis.createScript<number>(failureScript);
  return {
    async check(keys) {
      // A probe that hangs gives the circuit back after one first-token timeout.
      const results = await Promise.all(
        keys.map((key) =>
          check.exec([circuitKey(key)], [String(now()), String(routing.firstTokenTimeoutMs)]),
        ),
      );
      return results.map((result) => states[result] ?? 'closed');
    },
    async peek(keys) {
      const time = now();
      const opens = await Promise.all(
        keys.map((key) => redis.hget<number>(circuitKey(key), 'openUntil')),
      );
      return opens.map((openUntil) =>
        !openUntil ? 'closed' : time < openUntil ? 'open' : 'probe',
      );
    },
    async recordFailure(key) {
      await failure.exec(
        [circuitKey(key)],
        [
          String(now()),
          String(routing.circuitFailureThreshold),
          String(routing.circuitWindowMs),
          String(routing.circuitCooldownMs),
        ],
      );
    },
    async recordSuccess(key) {
      await redis.del(circuitKey(key));
    },
  };
}

/** Without Redis every circuit is closed. */
export const closedCircuits: CircuitBreaker = {
  check: async (keys) => keys.map(() => 'closed'),
  peek: async (keys) => keys.map(() => 'closed'),
  recordFailure: async () => {},
  recordSuccess: async () => {},
};

const shared = new WeakMap<Redis, CircuitBreaker>();

/** The circuits of the process's Redis, or all closed when there is none. */
export function getCircuits(redis: Redis | undefined, routing: RoutingConfig): CircuitBreaker {
  if (!redis) return closedCircuits;
  let circuits = shared.get(redis);
  if (!circuits) {
    circuits = createCircuitBreaker(redis, routing);
    shared.set(redis, circuits);
  }
  return circuits;
}
