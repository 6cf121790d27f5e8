import type { Redis } from '@upstash/redis';
import type { Attempt, ChatApi } from '@/lib/chat/types';
import type { Plan } from '@/lib/config';
import { ledgerIds, redisKeys } from './keys';
import { type Periods, periodsAt } from './periods';
import { settleUsageScript } from './scripts';

/** An answer shorter than this is not worth starting: the request is refused instead. */
export const minimalOutputTokens = 16;
/** A reservation nobody settles (the instance died) stops counting after this long. */
export const reservationTtlMs = 10 * 60_000;
const usageRetentionSeconds = 400 * 86_400;
const requestLogLength = 200;

export interface Reservation {
  id: string;
  periods: Periods;
  /** The output tokens the request may produce: the request's own maximum, or less. */
  outputTokens: number;
}

/** One line of a user's request log. */
export interface RequestLogEntry {
  id: string;
  /** Epoch ms when the request arrived. */
  at: number;
  /** The wire API the request came through; absent on entries written before it was recorded. */
  api?: ChatApi;
  model: string;
  provider: string;
  inputTokens: number;
  outputTokens: number;
  costMicroUsd: number;
  status: 'ok' | 'aborted' | 'error';
  latencyMs: number;
  timeToFirstTokenMs: number | null;
  /** Every target tried, in order; the last `served` one is what `model` and `provider` name. */
  attempts?: Attempt[];
  /** The stored conversation the request continued (POST /api/conversations/{id}/messages). */
  conversationId?: string;
  /** The request's tags (lib/tags); absent when it had none. */
  tags?: string[];
  /** Soft limits this request went over (the limits branch sets them). */
  limitWarnings?: string[];
  /** Served from the response cache: no provider was called and nothing was billed. */
  cached?: boolean;
  /** A cache hit's saving: what the stored answer cost when it was made. */
  savedMicroUsd?: number;
}

export interface Settlement {
  userId: string;
  planName: string;
  reservation: Reservation | undefined;
  /** The request holds a concurrency lease, released in the same step. */
  leaseHeld: boolean;
  /** Whether the request produced an answer (a failure before the first token did not). */
  served: boolean;
  entry: RequestLogEntry;
}

export function hasBudget(plan: Plan): boolean {
  return (
    plan.tokensPerDay !== undefined ||
    plan.tokensPerMonth !== undefined ||
    plan.spendPerDayUsd !== undefined ||
    plan.spendPerMonthUsd !== undefined
  );
}

export function hasDollarBudget(plan: Plan): boolean {
  return plan.spendPerDayUsd !== undefined || plan.spendPerMonthUsd !== undefined;
}

/** Reservations and leases are taken by the admission script (scripts.ts); this settles them. */
export interface BudgetStore {
  /** Releases the reservation and the lease and records the real usage, in one atomic step. */
  settle(settlement: Settlement): Promise<void>;
}

export function createBudgetStore({
  redis,
  now = Date.now,
}: {
  redis: Redis;
  now?: () => number;
}): BudgetStore {
  const settleScript = redis.createScript<number>(settleUsageScript);

  return {
    async settle({ userId, planName, reservation, leaseHeld, served, entry }) {
      const periods = reservation?.periods ?? periodsAt(entry.at);
      await settleScript.exec(
        [
          redisKeys.usageDay(userId, periods.day),
          redisKeys.usageMonth(userId, periods.month),
          redisKeys.reservations(userId),
          redisKeys.reservationAmounts(userId),
          redisKeys.requestLog(userId),
          redisKeys.users(),
          redisKeys.userPlans(),
          redisKeys.leases(userId),
          redisKeys.usageDay(ledgerIds.deployment, periods.day),
          redisKeys.usageMonth(ledgerIds.deployment, periods.month),
        ],
        [
          reservation?.id ?? '',
          String(entry.inputTokens),
          String(entry.outputTokens),
          String(entry.costMicroUsd),
          entry.model,
          served ? '1' : '0',
          JSON.stringify(entry),
          String(now()),
          userId,
          planName,
          String(requestLogLength),
          String(usageRetentionSeconds),
          // The lease, like the reservation, is held under the request's id.
          leaseHeld ? entry.id : '',
          entry.cached ? '1' : '0',
          String(entry.savedMicroUsd ?? 0),
          ...(entry.tags ?? []),
        ],
      );
    },
  };
}
