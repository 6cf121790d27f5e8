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
