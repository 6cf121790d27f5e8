import type { Plan } from '@/lib/config';
import { redisKeys } from '@/lib/limits/keys';
import { periodsAt } from '@/lib/limits/periods';
import type { RateWindow } from '@/lib/limits/rate-limits';
import { microUsdToUsd } from './cost';
import type { UsageRedis } from './queries';
import { asHash, readCount, scorePairs } from './usage-counts';
import { toIso } from './usage-periods';

/** Reads a rate window without counting a request; `@upstash/ratelimit`'s `Ratelimit` fits. */
export interface RateWindowReader {
  getRemaining(identifier: string): Promise<{ remaining: number; reset: number }>;
}

export interface RateWindowStores {
  limiterFor(window: RateWindow, limit: number): RateWindowReader;
}

export interface LimitView {
  limit: number;
  used: number;
  remaining: number;
  /** ISO 8601. */
  resetAt: string;
}

/** Every limit the plan has, with what is used of it now; limits the plan lacks are omitted. */
export async function getLimits(
  redis: UsageRedis,
  stores: RateWindowStores,
  request: { userId: string; plan: Plan; planName: string; now: number },
): Promise<{ userId: string; plan: string; limits: Record<string, LimitView> }> {
  const { userId, plan, planName, now } = request;
  const periods = periodsAt(now);
  const readWindow = (window: RateWindow, limit: number | undefined) =>
    limit === undefined ? undefined : stores.limiterFor(window, limit).getRemaining(userId);
  const pipeline = redis
    .pipeline()
    .hmget(redisKeys.usageDay(userId, periods.day), 'tokens', 'micro')
    .hmget(redisKeys.usageMonth(userId, periods.month), 'tokens', 'micro')
    .zrange(redisKeys.leases(userId), `(${now}`, '+inf', { byScore: true, withScores: true });
  const [minute, day, [dayReply, monthReply, leases]] = await Promise.all([
    readWindow('minute', plan.requestsPerMinute),
    readWindow('day', plan.requestsPerDay),
    pipeline.exec(),
  ]);
  const dayUsage = asHash(dayReply);
  const monthUsage = asHash(monthReply);

  const limits: Record<string, LimitView> = {};
  if (plan.requestsPerMinute !== undefined && minute)
    limits.requestsPerMinute = rateView(plan.requestsPerMinute, minute);
  if (plan.requestsPerDay !== undefined && day)
    limits.requestsPerDay = rateView(plan.requestsPerDay, day);
  if (plan.concurrentRequests !== undefined) {
    const held = scorePairs(Array.isArray(leases) ? leases : []);
    limits.concurrentRequests = view(plan.concurrentRequests, held.length, held[0]?.[1] ?? now);
  }
  if (plan.tokensPerDay !== undefined)
    limits.tokensPerDay = view(plan.tokensPerDay, readCount(dayUsage?.tokens), periods.dayEndsAt);
  if (plan.tokensPerMonth !== undefined) {
    const used = readCount(monthUsage?.tokens);
    limits.tokensPerMonth = view(plan.tokensPerMonth, used, periods.monthEndsAt);
  }
  if (plan.spendPerDayUsd !== undefined)
    limits.spendPerDayUsd = spendView(plan.spendPerDayUsd, dayUsage?.micro, periods.dayEndsAt);
  if (plan.spendPerMonthUsd !== undefined) {
    const used = monthUsage?.micro;
    limits.spendPerMonthUsd = spendView(plan.spendPerMonthUsd, used, periods.monthEndsAt);
  }
  return { userId, plan: planName, limits };
}

function rateView(limit: number, window: { remaining: number; reset: number }): LimitView {
  const remaining = Math.min(limit, Math.max(0, window.remaining));
  return view(limit, limit - remaining, window.reset);
}

function view(limit: number, used: number, resetAt: number): LimitView {
  return { limit, used, remaining: Math.max(0, limit - used), resetAt: toIso(resetAt) };
}

/** Dollars are subtracted in micro-dollars so that remaining has no float noise. */
function spendView(limitUsd: number, usedMicro: unknown, resetAt: number): LimitView {
  const used = readCount(usedMicro);
  const limit = Math.round(limitUsd * 1e6);
  return {
    limit: limitUsd,
    used: microUsdToUsd(used),
    remaining: microUsdToUsd(Math.max(0, limit - used)),
    resetAt: toIso(resetAt),
  };
}
