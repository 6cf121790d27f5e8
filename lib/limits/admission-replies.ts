import type { Plan } from '@/lib/config';
import { GatewayError } from '@/lib/errors';
import type { Denial } from './admission';
import type { Periods } from './periods';

// What admission looks like to a client: the error of a refusal and the `x-ratelimit-*` headers.

/** The HTTP error of a refused admission, with the rate-limit headers. */
export function denialError(denial: Denial, headers: Headers): GatewayError {
  switch (denial.reason) {
    case 'revoked':
      return new GatewayError('invalid_api_key', 'The API key or the session was revoked.', {
        headers,
      });
    case 'rate':
      return new GatewayError(
        'rate_limited',
        'Too many requests: the request-rate limit of your plan is reached.',
        { retryAfterSeconds: denial.retryAfterSeconds, headers },
      );
    case 'concurrency':
      return new GatewayError(
        'concurrency_limited',
        `Too many requests in flight: your plan allows ${denial.limit} at a time.`,
        { retryAfterSeconds: 1, headers },
      );
    case 'budget':
      return new GatewayError(
        'budget_exceeded',
        `Your ${describeBudget(denial.budget)} is used up; it resets at ${new Date(denial.resetsAt).toISOString()}.`,
        { headers },
      );
  }
}

/** OpenAI writes resets as durations: "1s", "6m0s". */
export function formatReset(milliseconds: number): string {
  const seconds = Math.max(0, Math.ceil(milliseconds / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${seconds % 60}s`;
  return `${Math.floor(minutes / 60)}h${minutes % 60}m${seconds % 60}s`;
}

export interface RateView {
  limit: number;
  remaining: number;
  reset: number;
}

/** The OpenAI `x-ratelimit-*` headers: the first request window and the tightest token budget. */
export function limitHeaders(
  plan: Plan,
  rates: RateView[],
  usedTokens: { day: number; month: number },
  time: number,
  periods: Periods,
): Headers {
  const headers = new Headers();
  const shown = rates[0];
  if (shown) {
    headers.set('x-ratelimit-limit-requests', String(shown.limit));
    headers.set('x-ratelimit-remaining-requests', String(Math.max(0, shown.remaining)));
    headers.set('x-ratelimit-reset-requests', formatReset(shown.reset - time));
  }
  const budgets: Array<{ limit: number; used: number; resetAt: number }> = [];
  if (plan.tokensPerDay !== undefined)
    budgets.push({ limit: plan.tokensPerDay, used: usedTokens.day, resetAt: periods.dayEndsAt });
  if (plan.tokensPerMonth !== undefined)
    budgets.push({
      limit: plan.tokensPerMonth,
      used: usedTokens.month,
      resetAt: periods.monthEndsAt,
    });
  const tightest = budgets.sort((a, b) => a.limit - a.used - (b.limit - b.used))[0];
  if (tightest) {
    headers.set('x-ratelimit-limit-tokens', String(tightest.limit));
    headers.set(
      'x-ratelimit-remaining-tokens',
      String(Math.max(0, tightest.limit - tightest.used)),
    );
    headers.set('x-ratelimit-reset-tokens', formatReset(tightest.resetAt - time));
  }
  return headers;
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
