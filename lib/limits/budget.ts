import type { Redis } from '@upstash/redis';
import type { Attempt } from '@/lib/chat/types';
import type { Plan, Pricing } from '@/lib/config';
import { GatewayError } from '@/lib/errors';
import { redisKeys } from './keys';
import { type Periods, periodsAt } from './periods';
import { reserveBudgetScript, settleUsageScript } from './scripts';

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

export interface ReserveRequest {
  userId: string;
  plan: Plan;
  requestId: string;
  inputTokens: number;
  requestedOutputTokens: number;
  pricing: Pricing | undefined;
}

/** One line of a user's request log. */
export interface RequestLogEntry {
  id: string;
  /** Epoch ms when the request arrived. */
  at: number;
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
}

export interface Settlement {
  userId: string;
  planName: string;
  reservation: Reservation | undefined;
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

const noLimit = -1;
const microUsd = (usd: number | undefined) => (usd === undefined ? noLimit : Math.round(usd * 1e6));

export interface BudgetStore {
  /** Atomically reserves against every budget of the plan; a 402 when nothing fits. */
  reserve(request: ReserveRequest): Promise<Reservation>;
  /** Releases the reservation and records the real usage, in one atomic step. */
  settle(settlement: Settlement): Promise<void>;
}

export function createBudgetStore({
  redis,
  now = Date.now,
}: {
  redis: Redis;
  now?: () => number;
}): BudgetStore {
  const reserveScript = redis.createScript<[number, number | string]>(reserveBudgetScript);
  const settleScript = redis.createScript<number>(settleUsageScript);

  return {
    async reserve({ userId, plan, requestId, inputTokens, requestedOutputTokens, pricing }) {
      if (hasDollarBudget(plan) && !pricing) {
        throw new GatewayError(
          'invalid_request',
          'This model has no known price and your plan has a dollar budget, so it cannot be used.',
          { param: 'model' },
        );
      }
      const time = now();
      const periods = periodsAt(time);
      const [admitted, detail] = await reserveScript.exec(
        [
          redisKeys.usageDay(userId, periods.day),
          redisKeys.usageMonth(userId, periods.month),
          redisKeys.reservations(userId),
          redisKeys.reservationAmounts(userId),
        ],
        [
          String(time),
          requestId,
          String(time + reservationTtlMs),
          String(inputTokens),
          String(requestedOutputTokens),
          String(minimalOutputTokens),
          String(pricing?.inputPerMTok ?? 0),
          String(pricing?.outputPerMTok ?? 0),
          String(plan.tokensPerDay ?? noLimit),
          String(plan.tokensPerMonth ?? noLimit),
          String(microUsd(plan.spendPerDayUsd)),
          String(microUsd(plan.spendPerMonthUsd)),
          periods.day,
          periods.month,
        ],
      );
      if (admitted !== 1) {
        const endsAt = String(detail).endsWith('Day') ? periods.dayEndsAt : periods.monthEndsAt;
        throw new GatewayError(
          'budget_exceeded',
          `Your ${describeBudget(String(detail))} is used up; it resets at ${new Date(endsAt).toISOString()}.`,
        );
      }
      return { id: requestId, periods, outputTokens: Number(detail) };
    },

    async settle({ userId, planName, reservation, served, entry }) {
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
        ],
      );
    },
  };
}

function describeBudget(name: string): string {
  switch (name) {
    case 'tokensPerDay':
      return 'daily token budget';
    case 'tokensPerMonth':
      return 'monthly token budget';
    case 'spendPerDayUsd':
      return 'daily spending budget';
    default:
      return 'monthly spending budget';
  }
}
