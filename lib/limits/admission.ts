import type { Redis } from '@upstash/redis';
import type { Plan, Pricing } from '@/lib/config';
import { GatewayError } from '@/lib/errors';
import { limitHeaders } from './admission-replies';
import { hasBudget, minimalOutputTokens, type Reservation, reservationTtlMs } from './budget';
import { redisKeys } from './keys';
import { type Periods, periodsAt } from './periods';
import type { createRateLimiters, RateWindow } from './rate-limits';
import { admitScript } from './scripts';

export interface AdmissionRequest {
  userId: string;
  requestId: string;
  plan: Plan;
  /** The API key the request came with, directly or through a session: it must still exist. */
  keyId: string | undefined;
  /** The hash of the key's secret when the key itself was sent: that secret must still exist. */
  keyHash?: string;
  /** The session cookie the request came with: it must not have been signed out. */
  sessionId?: string;
  /** The reservation's input estimate and wanted output (used when the plan has budgets). */
  inputTokens: number;
  requestedOutputTokens: number;
  /** The dearest price among the models that may serve; undefined when unknown. */
  pricing: Pricing | undefined;
}

/** Why a request was refused; `denialError()` (admission-replies.ts) turns it into the HTTP error. */
export type Denial =
  | { reason: 'revoked' }
  | { reason: 'rate'; retryAfterSeconds: number }
  | { reason: 'concurrency'; limit: number }
  | { reason: 'budget'; budget: string; resetsAt: number };

/** The outcome of admission, as a value: admitted with what it holds, or refused and why. */
export type Admission =
  | {
      admitted: true;
      /** The `x-ratelimit-*` headers for the response. */
      headers: Headers;
      /** The output tokens the call may produce: the requested maximum, or what the budget fits. */
      outputTokens: number;
      reservation: Reservation | undefined;
      /** A concurrency lease was taken and must be released when the request ends. */
      leaseHeld: boolean;
    }
  | { admitted: false; headers: Headers; denial: Denial };

export interface AdmissionDependencies {
  redis: Pick<Redis, 'createScript' | 'zrem' | 'hdel'>;
  limiterFor: ReturnType<typeof createRateLimiters>;
  now?: () => number;
}

export interface AdmissionStore {
  /**
   * `defer` hands work that may finish after the response (refunds, releases) to the platform.
   * Rejects only when the store fails.
   */
  admit(request: AdmissionRequest, defer: (task: Promise<unknown>) => void): Promise<Admission>;
  /** Gives back the lease and the reservation of a request that ends without a settlement. */
  release(userId: string, requestId: string): Promise<void>;
  /**
   * Takes back from the rate windows an admitted request that is refused anyway (by another
   * bucket it also counts against); `defer` runs it after the response.
   */
  refundWindows(userId: string, plan: Plan, defer: (task: Promise<unknown>) => void): void;
}

/** A lease outlives no request: streams are cut at the platform's limit (300 s on Vercel). */
export const leaseTtlMs = 5 * 60_000;

/** `[1, output, day tokens, month tokens]` or `[0, reason, ...detail]`; see scripts.ts. */
type ScriptReply = [number, number | string, number?, number?];

const noLimit = -1;
const microUsd = (usd: number | undefined) => (usd === undefined ? noLimit : Math.round(usd * 1e6));

/**
 * Admission of one chat request: the key check, the request-rate windows, the concurrency lease
 * and the budget reservation. All are EVALSHAs issued in one synchronous burst, so the client's
 * auto-pipelining sends them to Redis as one HTTP round trip (reads would go in a second one:
 * `@upstash/redis` pipelines reads and writes apart). The lease and the reservation are one Lua
 * script, all or nothing; the windows are `@upstash/ratelimit`'s own scripts, which count a
 * request before anything else is known, so a request refused for another reason is refunded to
 * them, and one refused by a window gives its lease and reservation back, after the response.
 */
export function createAdmission({
  redis,
  limiterFor,
  now = Date.now,
}: AdmissionDependencies): AdmissionStore {
  const script = redis.createScript<ScriptReply>(admitScript);

  return {
    async admit(request, defer) {
      const { userId, requestId, plan, keyId, sessionId } = request;
      const time = now();
      const periods = periodsAt(time);
      const windows = rateWindowsOf(plan);
      const reserve = hasBudget(plan);
      const scripted =
        keyId !== undefined ||
        sessionId !== undefined ||
        plan.concurrentRequests !== undefined ||
        reserve;

      const [rates, reply] = await Promise.all([
        Promise.all(windows.map(([window, limit]) => limiterFor(window, limit).limit(userId))),
        scripted
          ? script.exec(
              admitKeys(userId, periods, sessionId, request.keyHash),
              admitArguments(request, time, periods),
            )
          : undefined,
      ]);
      const admittedByScript = reply === undefined || reply[0] === 1;

      const refundWindows = () => {
        rates.forEach((rate, index) => {
          const [window, limit] = windows[index] as readonly [RateWindow, number];
          if (rate.success) defer(limiterFor(window, limit).limit(userId, { rate: -1 }));
        });
      };
      if (rates.some((rate) => rate.reason === 'timeout')) {
        // Whether a window that timed out counted the request is unknown: it is not refunded, so
        // a store that is slow can only make the windows stricter, never looser.
        if (reply?.[0] === 1) defer(releaseHeld(redis, userId, requestId));
        throw new GatewayError(
          'store_unavailable',
          'The rate-limit store did not answer in time.',
          {
            retryable: true,
            retryAfterSeconds: 1,
          },
        );
      }

      const usedTokens = { day: Number(reply?.[2] ?? 0), month: Number(reply?.[3] ?? 0) };
      const headers = limitHeaders(plan, rates, usedTokens, time, periods);
      const refuse = (denial: Denial): Admission => ({ admitted: false, headers, denial });

      if (reply?.[1] === 'revoked') {
        refundWindows();
        return refuse({ reason: 'revoked' });
      }
      const deniedRate = rates.find((rate) => !rate.success);
      if (deniedRate) {
        refundWindows();
        if (reply?.[0] === 1) defer(releaseHeld(redis, userId, requestId));
        return refuse({ reason: 'rate', retryAfterSeconds: (deniedRate.reset - time) / 1000 });
      }
      if (!admittedByScript) {
        refundWindows();
        const detail = String(reply?.[1]);
        if (detail === 'concurrentRequests') {
          return refuse({ reason: 'concurrency', limit: plan.concurrentRequests ?? 0 });
        }
        const resetsAt = detail.endsWith('Day') ? periods.dayEndsAt : periods.monthEndsAt;
        return refuse({ reason: 'budget', budget: detail, resetsAt });
      }

      const outputTokens = reply ? Number(reply[1]) : request.requestedOutputTokens;
      return {
        admitted: true,
        headers,
        outputTokens,
        reservation: reserve ? { id: requestId, periods, outputTokens } : undefined,
        leaseHeld: plan.concurrentRequests !== undefined,
      };
    },

    release: (userId, requestId) => releaseHeld(redis, userId, requestId),

    refundWindows(userId, plan, defer) {
      for (const [window, limit] of rateWindowsOf(plan)) {
        defer(limiterFor(window, limit).limit(userId, { rate: -1 }));
      }
    },
  };
}

function rateWindowsOf(plan: Plan): Array<readonly [RateWindow, number]> {
  return (
    [
      ['minute', plan.requestsPerMinute],
      ['day', plan.requestsPerDay],
    ] as const
  ).filter((entry): entry is readonly [RateWindow, number] => entry[1] !== undefined);
}

function admitKeys(
  userId: string,
  periods: Periods,
  sessionId: string | undefined,
  keyHash: string | undefined,
): string[] {
  return [
    // A key sent itself is checked by its secret (a rotated one ends), a session's by its id.
    keyHash ? redisKeys.apiKeySecret(keyHash) : redisKeys.apiKeys(),
    redisKeys.leases(userId),
    redisKeys.usageDay(userId, periods.day),
    redisKeys.usageMonth(userId, periods.month),
    redisKeys.reservations(userId),
    redisKeys.reservationAmounts(userId),
    // Without a session, a key that never exists: the script's check then always passes.
    redisKeys.revokedSession(sessionId ?? ''),
  ];
}

function admitArguments(request: AdmissionRequest, time: number, periods: Periods): string[] {
  const { plan, pricing } = request;
  return [
    String(time),
    request.requestId,
    request.keyId ?? '',
    String(plan.concurrentRequests ?? noLimit),
    String(time + leaseTtlMs),
    hasBudget(plan) ? '1' : '0',
    String(time + reservationTtlMs),
    String(request.inputTokens),
    String(request.requestedOutputTokens),
    String(minimalOutputTokens),
    String(pricing?.inputPerMTok ?? 0),
    String(pricing?.outputPerMTok ?? 0),
    String(plan.tokensPerDay ?? noLimit),
    String(plan.tokensPerMonth ?? noLimit),
    String(microUsd(plan.spendPerDayUsd)),
    String(microUsd(plan.spendPerMonthUsd)),
    periods.day,
    periods.month,
  ];
}

/** Gives back the lease and the reservation the admission script took. */
async function releaseHeld(
  redis: Pick<Redis, 'zrem' | 'hdel'>,
  userId: string,
  requestId: string,
): Promise<void> {
  await Promise.all([
    redis.zrem(redisKeys.leases(userId), requestId),
    redis.zrem(redisKeys.reservations(userId), requestId),
    redis.hdel(redisKeys.reservationAmounts(userId), requestId),
  ]);
}
