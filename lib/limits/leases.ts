import type { Redis } from '@upstash/redis';
import { redisKeys } from './keys';
import { acquireLeaseScript } from './scripts';

/** A lease outlives no request: streams are cut at the platform's limit (300 s on Vercel). */
export const leaseTtlMs = 5 * 60_000;

export type LeaseResult =
  | { acquired: true; held: number }
  | { acquired: false; held: number; retryAt: number };

export interface LeaseStore {
  acquire(userId: string, requestId: string, limit: number): Promise<LeaseResult>;
  release(userId: string, requestId: string): Promise<void>;
}

export function createLeaseStore({
  redis,
  now = Date.now,
}: {
  redis: Redis;
  now?: () => number;
}): LeaseStore {
  const script = redis.createScript<[number, number, number?]>(acquireLeaseScript);
  return {
    async acquire(userId, requestId, limit) {
      const time = now();
      const [acquired, held, earliestExpiry] = await script.exec(
        [redisKeys.leases(userId)],
        [String(time), requestId, String(time + leaseTtlMs), String(limit)],
      );
      return acquired === 1
        ? { acquired: true, held }
        : { acquired: false, held, retryAt: earliestExpiry ?? time + leaseTtlMs };
    },
    async release(userId, requestId) {
      await redis.zrem(redisKeys.leases(userId), requestId);
    },
  };
}
