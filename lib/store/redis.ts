import { Redis } from '@upstash/redis';
import type { Config } from '@/lib/config';
import { GatewayError } from '@/lib/errors';

/** No request waits longer than this on one Redis round trip (twice, with the one retry). */
export const redisTimeoutMs = 5_000;

/** Anything a store call threw: Redis down, slow, refusing, or answering with an error. */
export class StoreFailure extends Error {
  constructor(cause: unknown) {
    // The store's own message is kept: @upstash/ratelimit reads it to fall back from EVALSHA.
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'StoreFailure';
  }
}

export function isStoreFailure(error: unknown): error is StoreFailure {
  return error instanceof StoreFailure;
}

/**
 * The client with every failure marked as a store failure: each method's promise rejects with a
 * `StoreFailure`, and what a method returns (a pipeline, a script) is marked the same way. So a
 * 503 means the store failed, and only that; a bug elsewhere stays a bug (a logged 500).
 */
function markStoreFailures<T extends object>(target: T): T {
  return new Proxy(target, {
    get(object, property) {
      const value = Reflect.get(object, property, object);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        let result: unknown;
        try {
          result = Reflect.apply(value, object, args);
        } catch (error) {
          throw new StoreFailure(error);
        }
        if (result instanceof Promise) {
          return result.catch((error: unknown) => {
            throw isStoreFailure(error) ? error : new StoreFailure(error);
          });
        }
        if (typeof result === 'object' && result !== null && !Array.isArray(result)) {
          return markStoreFailures(result);
        }
        return result;
      };
    },
  });
}

export function createRedis({ url, token }: NonNullable<Config['redis']>): Redis {
  return markStoreFailures(
    new Redis({
      url,
      token,
      enableAutoPipelining: true,
      // One quick retry rides out a dropped connection; more would only delay failing closed.
      retry: { retries: 1, backoff: () => 50 },
      signal: () => AbortSignal.timeout(redisTimeoutMs),
    }),
  );
}

let shared: { redis: Redis; url: string } | undefined;

/** The process-wide client, or undefined when no Redis is configured. */
export function getRedis(config: Config): Redis | undefined {
  if (!config.redis) return undefined;
  if (shared?.url !== config.redis.url)
    shared = { redis: createRedis(config.redis), url: config.redis.url };
  return shared.redis;
}

const storeUnavailable = (cause: unknown) =>
  new GatewayError('store_unavailable', 'The limits store is unreachable; try again shortly.', {
    retryable: true,
    retryAfterSeconds: 1,
    cause,
  });

/**
 * What a thrown value means to a client as far as the store goes: a store failure is a 503
 * `store_unavailable`; anything else passes through unchanged (a `GatewayError` keeps its code,
 * any other throw becomes a logged 500 in the error funnel).
 */
export function withStoreFailures(error: unknown): unknown {
  return isStoreFailure(error) ? storeUnavailable(error.cause) : error;
}

/**
 * Rethrows a store call's failure unless the plan prefers serving to refusing while the store is
 * down (`failOpen`); our own decisions (denials) and bugs are always rethrown.
 */
export function failOpenOrThrow(failOpen: boolean | undefined, error: unknown): undefined {
  const failure = withStoreFailures(error);
  const outage = failure instanceof GatewayError && failure.code === 'store_unavailable';
  if (!(failOpen && outage)) throw failure;
  return undefined;
}
