import { Ratelimit } from '@upstash/ratelimit';
import type { Redis } from '@upstash/redis';
import { redisTimeoutMs } from '@/lib/store/redis';
import { redisKeys } from './keys';

export type RateWindow = 'minute' | 'day';

const windows = { minute: '1 m', day: '1 d' } as const;

/** One sliding-window limiter per window and limit, shared by every request of the process. */
export function createRateLimiters(redis: Redis) {
  const limiters = new Map<string, Ratelimit>();
  return function limiterFor(window: RateWindow, limit: number): Ratelimit {
    const id = `${window}:${limit}`;
    let limiter = limiters.get(id);
    if (!limiter) {
      limiter = new Ratelimit({
        redis,
        limiter: Ratelimit.slidingWindow(limit, windows[window]),
        prefix: redisKeys.rateLimit(window),
        timeout: redisTimeoutMs,
        analytics: false,
      });
      limiters.set(id, limiter);
    }
    return limiter;
  };
}
