import { Redis } from '@upstash/redis';
import type { Config } from '@/lib/config';
import { GatewayError } from '@/lib/errors';

/** No request waits longer than this on one Redis round trip (twice, with the one retry). */
export const redisTimeoutMs = 5_000;

export function createRedis({ url, token }: NonNullable<Config['redis']>): Redis {
  return new Redis({
    url,
    token,
    enableAutoPipelining: true,
    // One quick retry rides out a dropped connection; more would only delay failing closed.
    retry: { retries: 1, backoff: () => 50 },
    signal: () => AbortSignal.timeout(redisTimeoutMs),
  });
}

let shared: { redis: Redis; url: string } | undefined;

/** The process-wide client, or undefined when no Redis is configured. */
export function getRedis(config: Config): Redis | undefined {
  if (!config.redis) return undefined;
  if (shared?.url !== config.redis.url)
    shared = { redis: createRedis(config.redis), url: config.redis.url };
  return shared.redis;
}

/**
 * What a failed store call means to a client: anything that is not one of our own decisions came
 * from Redis (down, slow, refusing), and the request fails closed with 503.
 */
export function asStoreFailure(error: unknown): unknown {
  if (error instanceof GatewayError) return error;
  return new GatewayError(
    'store_unavailable',
    'The limits store is unreachable; try again shortly.',
    {
      retryable: true,
      retryAfterSeconds: 1,
      cause: error,
    },
  );
}

/**
 * Rethrows a store call's failure unless the plan prefers serving to refusing while the store is
 * down (`failOpen`); our own decisions (denials) are always rethrown.
 */
export function failOpenOrThrow(failOpen: boolean | undefined, error: unknown): undefined {
  const failure = asStoreFailure(error);
  const outage = failure instanceof GatewayError && failure.code === 'store_unavailable';
  if (!(failOpen && outage)) throw failure;
  return undefined;
}
