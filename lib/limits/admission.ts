import type { Redis } from '@upstash/redis';
import type { Limits, Pricing } from '@/lib/config';
import { GatewayError } from '@/lib/errors';
import { limitHeaders, type RateView, type TokenBudgetView } from './admission-replies';
import { admitArguments, admitKeys, type ScriptReply, usedBudgets } from './admission-script';
import type { Reservation } from './budget';
import { redisKeys } from './keys';
import { isLimitName, isSoft, type LimitName, limitNames, limitTable } from './limit-table';
import { type Periods, periodsAt, resetOf } from './periods';
import type { createRateLimiters, RateWindow } from './rate-limits';
import { admitScript } from './scripts';

/** Whose limits a scope holds. `guests`: a bucket every guest (of one address) shares. */
export type ScopeKind = 'user' | 'team' | 'key' | 'guests';

/** One set of limits a request counts against, with the ledger its usage is kept under. */
export interface AdmissionScope {
  kind: ScopeKind;
  /** The user's, team's or key's id, or the bucket's name. */
  id: string;
  /** See `ledgerIds` in keys.ts: rate windows, leases, reservations and usage live under it. */
  ledgerId: string;
  limits: Limits;
}

export interface AdmissionRequest {
  requestId: string;
  /** Every scope the request counts against, the caller's own first; all must admit. */
  scopes: AdmissionScope[];
  /** The API key the request came with, directly or through a session: it must still exist. */
  keyId: string | undefined;
  /** The hash of the key's secret when the key itself was sent: that secret must still exist. */
  keyHash?: string;
  /** The session cookie the request came with: it must not have been signed out. */
  sessionId?: string;
  /** The reservation's input estimate and wanted output (used when a scope has budgets). */
  inputTokens: number;
  requestedOutputTokens: number;
  /** The dearest price among the models that may serve; undefined when unknown. */
  pricing: Pricing | undefined;
  /** Count against the rate windows only: no lease, no budget (a cache hit). Default: false. */
  ratesOnly?: boolean;
}

/** Why a request was refused; `denialError()` (admission-replies.ts) turns it into the HTTP error. */
export type Denial =
  | { reason: 'revoked' }
  | { reason: 'rate'; scope: ScopeKind; limit: LimitName; retryAfterSeconds: number }
  | { reason: 'concurrency'; scope: ScopeKind; limit: LimitName; allowed: number }
  | { reason: 'budget'; scope: ScopeKind; limit: LimitName; resetsAt: number };

/** A ledger that holds a lease or a reservation of the request until it is settled. */
export interface HeldLedger {
  ledgerId: string;
  reservation: boolean;
  lease: boolean;
}

/** The outcome of admission, as a value: admitted with what it holds, or refused and why. */
export type Admission =
  | {
      admitted: true;
      /** The `x-ratelimit-*` headers for the response. */
      headers: Headers;
      /** The output tokens the call may produce: the requested maximum, or what the budgets fit. */
      outputTokens: number;
      reservation: Reservation | undefined;
      /** Every scope's ledger that took a lease or a reservation. */
      held: HeldLedger[];
      /** Soft limits this request is over (served anyway), each named once. */
      warnings: LimitName[];
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
  /** Gives back the leases and reservations of a request that ends without a settlement. */
  release(held: HeldLedger[], requestId: string): Promise<void>;
}

interface ScopedWindow {
  scope: AdmissionScope;
  name: LimitName;
  window: RateWindow;
  limit: number;
}

/**
 * Admission of one chat request: the key check, the request-rate windows, the concurrency leases
 * and the budget reservations of every scope. All are EVALSHAs issued in one synchronous burst,
 * so the client's auto-pipelining sends them to Redis as one HTTP round trip (reads would go in
 * a second one: `@upstash/redis` pipelines reads and writes apart). The leases and reservations
 * of all scopes are one Lua script, all or nothing; the windows are `@upstash/ratelimit`'s own
 * scripts, which count a request before anything else is known, so a request refused for
 * another reason is refunded to every window that counted it, and one refused by a window gives
 * its leases and reservations back, after the response.
 */
export function createAdmission({
  redis,
  limiterFor,
  now = Date.now,
}: AdmissionDependencies): AdmissionStore {
  const script = redis.createScript<ScriptReply | string>(admitScript);

  return {
    async admit(request, defer) {
      const { requestId, keyId, sessionId } = request;
      const time = now();
      const periods = periodsAt(time);
      const windows = request.scopes.flatMap(rateWindowsOf);
      const scripted = request.ratesOnly ? [] : request.scopes.filter(holdsSomething);
      const runScript = keyId !== undefined || sessionId !== undefined || scripted.length > 0;

      const [rates, encoded] = await Promise.all([
        Promise.all(windows.map((entry) => countWindow(entry, 1))),
        runScript
          ? script.exec(
              admitKeys(scripted, periods, sessionId, request.keyHash),
              admitArguments(request, scripted, time, periods),
            )
          : undefined,
      ]);
      const reply = typeof encoded === 'string' ? (JSON.parse(encoded) as ScriptReply) : encoded;
      const admittedByScript = reply === undefined || reply[0] === 1;
      const held: HeldLedger[] = admittedByScript
        ? scripted.map((scope) => ({
            ledgerId: scope.ledgerId,
            reservation: hasKind(scope.limits, 'budget'),
            lease: hasKind(scope.limits, 'concurrency'),
          }))
        : [];

      function countWindow(entry: ScopedWindow, rate: number) {
        return limiterFor(entry.window, entry.limit).limit(entry.scope.ledgerId, { rate });
      }
      const refundWindows = () => {
        rates.forEach((rate, index) => {
          if (rate.success) defer(countWindow(windows[index] as ScopedWindow, -1));
        });
      };
      const releaseAll = () => {
        if (held.length > 0) defer(releaseHeld(redis, held, requestId));
      };
      if (rates.some((rate) => rate.reason === 'timeout')) {
        // Whether a window that timed out counted the request is unknown: it is not refunded, so
        // a store that is slow can only make the windows stricter, never looser.
        releaseAll();
        throw new GatewayError(
          'store_unavailable',
          'The rate-limit store did not answer in time.',
          {
            retryable: true,
            retryAfterSeconds: 1,
          },
        );
      }

      const used = usedBudgets(reply, admittedByScript ? 3 : 5);
      const headers = limitHeaders(
        windows.map((entry, index) => ({ ...(rates[index] as RateView), limit: entry.limit })),
        tokenBudgets(scripted, used, periods),
        time,
      );
      const refuse = (denial: Denial): Admission => ({ admitted: false, headers, denial });

      if (reply?.[0] === 0 && reply[2] === 'revoked') {
        refundWindows();
        return refuse({ reason: 'revoked' });
      }
      const warnings = new Set<LimitName>();
      let deniedRate: Denial | undefined;
      rates.forEach((rate, index) => {
        const entry = windows[index] as ScopedWindow;
        if (rate.success) return;
        if (isSoft(entry.scope.limits, entry.name)) warnings.add(entry.name);
        else
          deniedRate ??= {
            reason: 'rate',
            scope: entry.scope.kind,
            limit: entry.name,
            retryAfterSeconds: (rate.reset - time) / 1000,
          };
      });
      if (deniedRate) {
        refundWindows();
        releaseAll();
        return refuse(deniedRate);
      }
      if (!admittedByScript) {
        refundWindows();
        const scope = scripted[Number(reply?.[1]) - 1] as AdmissionScope;
        const limit = String(reply?.[2]);
        // The script names only limits it was given.
        if (!isLimitName(limit)) throw new Error(`admission refused by an unknown limit: ${limit}`);
        if (limitTable[limit].kind === 'concurrency') {
          const allowed = scope.limits[limit] ?? 0;
          return refuse({ reason: 'concurrency', scope: scope.kind, limit, allowed });
        }
        const resetsAt = resetOf(limit, periods) ?? periods.monthEndsAt;
        return refuse({ reason: 'budget', scope: scope.kind, limit, resetsAt });
      }

      for (const name of String(reply?.[2] ?? '').split(',')) {
        if (isLimitName(name)) warnings.add(name);
      }
      const reserves = held.some((ledger) => ledger.reservation);
      const outputTokens = reply && reserves ? Number(reply[1]) : request.requestedOutputTokens;
      return {
        admitted: true,
        headers,
        outputTokens,
        reservation: reserves ? { id: requestId, periods, outputTokens } : undefined,
        held: held.filter((ledger) => ledger.reservation || ledger.lease),
        warnings: limitNames.filter((name) => warnings.has(name)),
      };
    },

    release: (held, requestId) => releaseHeld(redis, held, requestId),
  };
}

function hasKind(limits: Limits, kind: 'concurrency' | 'budget'): boolean {
  return limitNames.some((name) => limitTable[name].kind === kind && limits[name] !== undefined);
}

function holdsSomething(scope: AdmissionScope): boolean {
  return hasKind(scope.limits, 'concurrency') || hasKind(scope.limits, 'budget');
}

function rateWindowsOf(scope: AdmissionScope): ScopedWindow[] {
  return limitNames.flatMap((name) => {
    const spec = limitTable[name];
    const limit = scope.limits[name];
    if (spec.kind !== 'rate' || limit === undefined) return [];
    return [{ scope, name, window: spec.period as RateWindow, limit }];
  });
}

function tokenBudgets(
  scopes: AdmissionScope[],
  used: Map<string, number>,
  periods: Periods,
): TokenBudgetView[] {
  return scopes.flatMap((scope, index) =>
    limitNames.flatMap((name) => {
      const limit = scope.limits[name];
      const resetAt = resetOf(name, periods);
      if (limitTable[name].unit !== 'tokens' || limit === undefined || resetAt === undefined) {
        return [];
      }
      return [{ limit, used: used.get(`${index + 1}:${name}`) ?? 0, resetAt }];
    }),
  );
}

/** Gives back the leases and reservations the admission script took. */
async function releaseHeld(
  redis: Pick<Redis, 'zrem' | 'hdel'>,
  held: HeldLedger[],
  requestId: string,
): Promise<void> {
  await Promise.all(
    held.flatMap(({ ledgerId }) => [
      redis.zrem(redisKeys.leases(ledgerId), requestId),
      redis.zrem(redisKeys.reservations(ledgerId), requestId),
      redis.hdel(redisKeys.reservationAmounts(ledgerId), requestId),
    ]),
  );
}
