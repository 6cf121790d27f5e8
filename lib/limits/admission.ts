import type { Redis } from '@upstash/redis';
import type { Identity } from '@/lib/auth/identity';
import type { Plan } from '@/lib/config';
import { GatewayError } from '@/lib/errors';
import { redisKeys } from './keys';
import type { LeaseStore } from './leases';
import { periodsAt } from './periods';
import type { createRateLimiters, RateWindow } from './rate-limits';

export interface AdmissionDependencies {
  redis: Redis;
  leases: LeaseStore;
  limiterFor: ReturnType<typeof createRateLimiters>;
  now: () => number;
  /** Hands work that may finish after the response (refunds) to the platform. */
  defer: (task: Promise<unknown>) => void;
}

export interface Admitted {
  /** The `x-ratelimit-*` headers for the response. */
  headers: Headers;
  /** Whether a concurrency lease was taken and must be released when the request ends. */
  leaseHeld: boolean;
}

interface TokenBudgetView {
  limit: number;
  used: number;
  resetAt: number;
}

/** OpenAI writes resets as durations: "1s", "6m0s". */
export function formatReset(milliseconds: number): string {
  const seconds = Math.max(0, Math.ceil(milliseconds / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${seconds % 60}s`;
  return `${Math.floor(minutes / 60)}h${minutes % 60}m${seconds % 60}s`;
}

function tightestTokenBudget(
  plan: Plan,
  used: { day: number; month: number },
  now: number,
): TokenBudgetView | undefined {
  const periods = periodsAt(now);
  const views: TokenBudgetView[] = [];
  if (plan.tokensPerDay !== undefined)
    views.push({ limit: plan.tokensPerDay, used: used.day, resetAt: periods.dayEndsAt });
  if (plan.tokensPerMonth !== undefined)
    views.push({ limit: plan.tokensPerMonth, used: used.month, resetAt: periods.monthEndsAt });
  return views.sort((a, b) => a.limit - a.used - (b.limit - b.used))[0];
}

/** Settled tokens and micro-dollars of one period, as stored (absent fields are zero). */
interface PeriodUsage {
  tokens: number;
  micro: number;
}

function readPeriodUsage(hash: Record<string, number> | null): PeriodUsage {
  return { tokens: Number(hash?.tokens ?? 0), micro: Number(hash?.micro ?? 0) };
}

function usedUp(plan: Plan, day: PeriodUsage, month: PeriodUsage): 'day' | 'month' | undefined {
  const spent = (usd: number | undefined, micro: number) =>
    usd !== undefined && micro >= Math.round(usd * 1e6);
  const spentTokens = (limit: number | undefined, tokens: number) =>
    limit !== undefined && tokens >= limit;
  if (spentTokens(plan.tokensPerDay, day.tokens) || spent(plan.spendPerDayUsd, day.micro))
    return 'day';
  if (spentTokens(plan.tokensPerMonth, month.tokens) || spent(plan.spendPerMonthUsd, month.micro))
    return 'month';
  return undefined;
}

/**
 * Admission of one chat request: the request-rate windows, the in-flight lease and the "budget
 * already used up" check, issued together so auto-pipelining sends them as one round trip.
 * Denials throw a 429 or 402 carrying the rate-limit headers. Requests a denial did not serve
 * are refunded to the windows that counted them, after the response.
 */
export async function admitChatRequest(
  identity: Identity,
  requestId: string,
  plan: Plan,
  { redis, leases, limiterFor, now, defer }: AdmissionDependencies,
): Promise<Admitted> {
  const time = now();
  const periods = periodsAt(time);
  const windows = (
    [
      ['minute', plan.requestsPerMinute],
      ['day', plan.requestsPerDay],
    ] as const
  ).filter((entry): entry is readonly [RateWindow, number] => entry[1] !== undefined);

  const [rates, lease, dayUsage, monthUsage] = await Promise.all([
    Promise.all(windows.map(([window, limit]) => limiterFor(window, limit).limit(identity.userId))),
    plan.concurrentRequests === undefined
      ? undefined
      : leases.acquire(identity.userId, requestId, plan.concurrentRequests),
    redis.hmget<Record<string, number>>(
      redisKeys.usageDay(identity.userId, periods.day),
      'tokens',
      'micro',
    ),
    redis.hmget<Record<string, number>>(
      redisKeys.usageMonth(identity.userId, periods.month),
      'tokens',
      'micro',
    ),
  ]);
  if (rates.some((rate) => rate.reason === 'timeout')) {
    throw new GatewayError('store_unavailable', 'The rate-limit store did not answer in time.', {
      retryable: true,
    });
  }

  const headers = new Headers();
  const shown = rates[0];
  if (shown) {
    headers.set('x-ratelimit-limit-requests', String(shown.limit));
    headers.set('x-ratelimit-remaining-requests', String(Math.max(0, shown.remaining)));
    headers.set('x-ratelimit-reset-requests', formatReset(shown.reset - time));
  }
  const day = readPeriodUsage(dayUsage);
  const month = readPeriodUsage(monthUsage);
  const tokens = tightestTokenBudget(plan, { day: day.tokens, month: month.tokens }, time);
  if (tokens) {
    headers.set('x-ratelimit-limit-tokens', String(tokens.limit));
    headers.set('x-ratelimit-remaining-tokens', String(Math.max(0, tokens.limit - tokens.used)));
    headers.set('x-ratelimit-reset-tokens', formatReset(tokens.resetAt - time));
  }

  const refund = () => {
    rates.forEach((rate, index) => {
      const [window, limit] = windows[index] as readonly [RateWindow, number];
      if (rate.success) defer(limiterFor(window, limit).limit(identity.userId, { rate: -1 }));
    });
    if (lease?.acquired) defer(leases.release(identity.userId, requestId));
  };

  const deniedRate = rates.find((rate) => !rate.success);
  if (deniedRate) {
    refund();
    throw new GatewayError(
      'rate_limited',
      'Too many requests: the request-rate limit of your plan is reached.',
      {
        retryAfterSeconds: (deniedRate.reset - time) / 1000,
        headers,
      },
    );
  }
  if (lease && !lease.acquired) {
    refund();
    throw new GatewayError(
      'concurrency_limited',
      `Too many requests in flight: your plan allows ${plan.concurrentRequests} at a time.`,
      { retryAfterSeconds: 1, headers },
    );
  }
  const spentPeriod = usedUp(plan, day, month);
  if (spentPeriod) {
    refund();
    const resetAt = spentPeriod === 'day' ? periods.dayEndsAt : periods.monthEndsAt;
    throw new GatewayError(
      'budget_exceeded',
      `Your ${spentPeriod === 'day' ? 'daily' : 'monthly'} budget is used up; it resets at ${new Date(resetAt).toISOString()}.`,
      { headers },
    );
  }
  return { headers, leaseHeld: lease?.acquired === true };
}
