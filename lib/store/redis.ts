import { Redis } from '@upstash/redis';
import type { Config } from '@/lib/config';

/** No request waits longer than this on one Redis round trip. */
export const redisTimeoutMs = 2_000;

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
