import { GatewayError } from '@/lib/errors';
import type { Denial, ScopeKind } from './admission';
import { limitTable } from './limit-table';

// What admission looks like to a client: the error of a refusal and the `x-ratelimit-*` headers.

/** Whose limit it was, as the sentence of a denial says it. */
const ownerOf: Record<ScopeKind, string> = {
  user: 'your plan',
  team: "your team's plan",
  key: 'this API key',
  guests: 'guests together',
};

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
        `Too many requests: the ${limitTable[denial.limit].noun} of ${ownerOf[denial.scope]} is reached.`,
        { retryAfterSeconds: denial.retryAfterSeconds, headers },
      );
    case 'concurrency':
      return new GatewayError(
        'concurrency_limited',
        `Too many requests in flight: ${ownerOf[denial.scope]} allows ${denial.allowed} at a time.`,
        { retryAfterSeconds: 1, headers },
      );
    case 'budget':
      return new GatewayError(
        'budget_exceeded',
        `The ${limitTable[denial.limit].noun} of ${ownerOf[denial.scope]} is used up; it resets at ${new Date(denial.resetsAt).toISOString()}.`,
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

export interface TokenBudgetView {
  limit: number;
  used: number;
  resetAt: number;
}

/** The header `x-tollgate-limit-warning`: the soft limits a served request is over. */
export const limitWarningHeader = 'x-tollgate-limit-warning';

/**
 * The OpenAI `x-ratelimit-*` headers: the request window and the token budget with the least
 * left, whichever scope (user, team, key) they belong to.
 */
export function limitHeaders(
  rates: RateView[],
  tokenBudgets: TokenBudgetView[],
  time: number,
): Headers {
  const headers = new Headers();
  const shown = [...rates].sort((a, b) => a.remaining - b.remaining)[0];
  if (shown) {
    headers.set('x-ratelimit-limit-requests', String(shown.limit));
    headers.set('x-ratelimit-remaining-requests', String(Math.max(0, shown.remaining)));
    headers.set('x-ratelimit-reset-requests', formatReset(shown.reset - time));
  }
  const tightest = [...tokenBudgets].sort((a, b) => a.limit - a.used - (b.limit - b.used))[0];
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
