import type { Redis } from '@upstash/redis';
import { type BudgetStore, createBudgetStore } from './budget';
import { createLeaseStore, type LeaseStore } from './leases';
import { createRateLimiters } from './rate-limits';

export interface LimitStores {
  budgets: BudgetStore;
  leases: LeaseStore;
  limiterFor: ReturnType<typeof createRateLimiters>;
}

const stores = new WeakMap<Redis, LimitStores>();

/** The stores of one Redis client, built once: the scripts and limiters are reused. */
export function getLimitStores(redis: Redis): LimitStores {
  let found = stores.get(redis);
  if (!found) {
    found = {
      budgets: createBudgetStore({ redis }),
      leases: createLeaseStore({ redis }),
      limiterFor: createRateLimiters(redis),
    };
    stores.set(redis, found);
  }
  return found;
}
