import type { Redis } from '@upstash/redis';
import { type AdmissionStore, createAdmission } from './admission';
import { type BudgetStore, createBudgetStore } from './budget';
import { createRateLimiters } from './rate-limits';

export interface LimitStores {
  admission: AdmissionStore;
  budgets: BudgetStore;
  limiterFor: ReturnType<typeof createRateLimiters>;
}

const stores = new WeakMap<Redis, LimitStores>();

/** The stores of one Redis client, built once: the scripts and limiters are reused. */
export function getLimitStores(redis: Redis): LimitStores {
  let found = stores.get(redis);
  if (!found) {
    const limiterFor = createRateLimiters(redis);
    found = {
      admission: createAdmission({ redis, limiterFor }),
      budgets: createBudgetStore({ redis }),
      limiterFor,
    };
    stores.set(redis, found);
  }
  return found;
}
