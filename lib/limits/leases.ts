import type { Redis } from '@upstash/redis';
import { redisKeys } from './keys';

/**
 * A lease outlives no request: streams are cut at the platform's limit (300 s on Vercel).
 * Leases are taken by the admission script (scripts.ts), together with the other limits.
 */
export const leaseTtlMs = 5 * 60_000;

export interface LeaseStore {
  release(userId: string, requestId: string): Promise<void>;
}

export function createLeaseStore({ redis }: { redis: Pick<Redis, 'zrem'> }): LeaseStore {
  return {
    async release(userId, requestId) {
      await redis.zrem(redisKeys.leases(userId), requestId);
    },
  };
}
