import { alertsAfterSettle } from '@/lib/alerts';
import { planOf, requireRedis } from '@/lib/auth/identify';
import type { Identity } from '@/lib/auth/identity';
import type { Config, Plan, Pricing } from '@/lib/config';
import { GatewayError } from '@/lib/errors';
import { copyHeaders } from '@/lib/http/headers';
import { getLimitStores, type LimitStores } from '@/lib/limits';
import { denialError } from '@/lib/limits/admission-replies';
import { hasDollarBudget, type RequestLogEntry, type Reservation } from '@/lib/limits/budget';
import { failOpenOrThrow, getRedis } from '@/lib/store/redis';
import { costInMicroUsd } from '@/lib/usage/cost';
import type { Attempt, ChatApi, ChatOutcome } from './types';

/** What one chat request owes the limits: admit before the call, settle once after it. */
export interface ChatAccounting {
  readonly identity: Identity;
  /** The plan has a dollar budget, so only priced models may serve it. */
  readonly pricesRequired: boolean;
  /** The `x-ratelimit-*` headers of the response; filled by `admit`. */
  readonly headers: Headers;
  /**
   * Admits the request against every limit of the plan and reserves its budget, in one round
   * trip to Redis; returns the output tokens the call may produce (clamped to what is left).
   * A refusal throws its 401, 429 or 402.
   */
  admit(input: {
    inputTokens: number;
    requestedOutputTokens: number;
    pricing: Pricing | undefined;
  }): Promise<number>;
  /** Records how the answer ended and frees its reservation and lease. Runs at most once. */
  settle(ending: ChatEnding): Promise<void>;
  /** The request ended before reaching a provider: free its lease and reservation, record nothing. */
  abandon(): Promise<void>;
  /**
   * Admits a response-cache hit: it counts against the request-rate windows (and must still
   * come with a live key or session), but takes no lease and reserves no budget. A refusal
   * throws its 401 or 429.
   */
  admitCacheHit(): Promise<void>;
  /** Records a cache hit: a request with no tokens and no cost, `cached`, and what it saved. */
  settleCacheHit(hit: { model: string; provider: string; savedMicroUsd: number }): Promise<void>;
}

export interface ChatEnding {
  model: string;
  provider: string;
  pricing: Pricing | undefined;
  /** Absent when the call failed before its first token. */
  outcome?: ChatOutcome;
  attempts: Attempt[];
}

export interface AccountingContext {
  config: Config;
  stores: LimitStores;
  /** Hands work that may finish after the response (refunds) to the platform. */
  defer: (task: Promise<unknown>) => void;
  now?: () => number;
  /** Runs, deferred, once the request is settled, with the ledgers it counted against. Default: none. */
  afterSettle?: (ledgers: SettledLedger[]) => Promise<void>;
}

/** A ledger a settled request counted against, and the limits it has there. */
export interface SettledLedger {
  kind: 'user' | 'team' | 'key';
  id: string;
  ledgerId: string;
  limits: Plan;
}

function statusOf(outcome: ChatOutcome | undefined): RequestLogEntry['status'] {
  if (!outcome || outcome.ending === 'failed') return 'error';
  return outcome.ending === 'aborted' ? 'aborted' : 'ok';
}

/**
 * Limits a request counts against besides its caller's plan, kept under their own id (guests:
 * one bucket per address, one for all guests). Each is admitted in the same round trip and
 * settled like a user of its own.
 */
export interface SharedBucket {
  userId: string;
  plan: Plan;
}

/** Who a chat request is from, and the id its usage record will carry. */
export interface ChatCaller {
  identity: Identity;
  requestId: string;
  /** Default: none. */
  sharedBuckets?: SharedBucket[];
  /** Default: `chat`. */
  api?: ChatApi;
  /** The stored conversation the request continues, recorded with it. */
  conversationId?: string;
  /** The request's validated tags (lib/tags), kept in its log entry. Default: none. */
  tags?: string[];
}

interface Held {
  userId: string;
  planName: string;
  reservation: Reservation | undefined;
  leaseHeld: boolean;
}

export function openAccounting(
  { identity, requestId, sharedBuckets = [], api = 'chat', tags = [], conversationId }: ChatCaller,
  { config, stores, defer, now = Date.now, afterSettle }: AccountingContext,
): ChatAccounting {
  const plan = planOf(config, identity.plan);
  const startedAt = now();
  const headers = new Headers();
  let reservation: Reservation | undefined;
  let leaseHeld = false;
  let closed = false;
  // What the shared buckets hold once admitted; settled and released with the caller's own.
  let heldShared: Held[] = [];

  return {
    identity,
    pricesRequired: hasDollarBudget(plan),
    headers,
    async admit({ inputTokens, requestedOutputTokens, pricing }) {
      if (hasDollarBudget(plan) && !pricing) {
        throw new GatewayError(
          'invalid_request',
          'This model has no known price and your plan has a dollar budget, so it cannot be used.',
          { param: 'model' },
        );
      }
      type Outcome = Awaited<ReturnType<LimitStores['admission']['admit']>>;
      let admission: Outcome;
      let shared: Outcome[];
      try {
        // Issued in one synchronous burst: auto-pipelining sends them as one round trip.
        const admitted = await Promise.all([
          stores.admission.admit(
            {
              userId: identity.userId,
              requestId,
              plan,
              keyId: identity.keyId,
              keyHash: identity.keyHash,
              sessionId: identity.sessionId,
              inputTokens,
              requestedOutputTokens,
              pricing,
            },
            defer,
          ),
          ...sharedBuckets.map((bucket) =>
            stores.admission.admit(
              {
                userId: bucket.userId,
                requestId,
                plan: bucket.plan,
                keyId: undefined,
                sessionId: undefined,
                inputTokens,
                requestedOutputTokens,
                pricing,
              },
              defer,
            ),
          ),
        ]);
        [admission, ...shared] = admitted as [Outcome, ...Outcome[]];
      } catch (error) {
        // A fail-open plan is served unmetered while the store is down. A keyed caller got here
        // with a key record this instance cached or a signed session; a revocation made before
        // the outage cannot be seen until it ends, and none can be made during it.
        failOpenOrThrow(plan.failOpen, error);
        return requestedOutputTokens;
      }
      copyHeaders(admission.headers, headers);
      heldShared = shared.flatMap((outcome, index) =>
        outcome.admitted
          ? [
              {
                userId: (sharedBuckets[index] as SharedBucket).userId,
                planName: 'shared',
                reservation: outcome.reservation,
                leaseHeld: outcome.leaseHeld,
              },
            ]
          : [],
      );
      const buckets = [{ userId: identity.userId, plan }, ...sharedBuckets];
      const outcomes = [admission, ...shared];
      const refused = outcomes.find((outcome) => !outcome.admitted);
      if (refused && !refused.admitted) {
        // Each refusing bucket refunded its own windows; the ones that admitted do so here,
        // so a request refused by one bucket uses up none of the others.
        outcomes.forEach((outcome, index) => {
          const bucket = buckets[index] as { userId: string; plan: Plan };
          if (outcome.admitted) stores.admission.refundWindows(bucket.userId, bucket.plan, defer);
        });
        if (admission.admitted) {
          reservation = admission.reservation;
          leaseHeld = admission.leaseHeld;
        }
        // A shared bucket's refusal reads as the caller's own: its retry time and budget name.
        throw denialError(refused.denial, headers);
      }
      if (!admission.admitted) throw denialError(admission.denial, headers);
      reservation = admission.reservation;
      leaseHeld = admission.leaseHeld;
      return Math.min(
        admission.outputTokens,
        ...shared.map((outcome) => (outcome.admitted ? outcome.outputTokens : 0)),
      );
    },

    async settle({ model, provider, pricing, outcome, attempts }) {
      if (closed) return;
      closed = true;
      const usage = outcome?.usage ?? {
        inputTokens: 0,
        outputTokens: 0,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        totalTokens: 0,
      };
      const served =
        outcome !== undefined && (outcome.ending !== 'failed' || usage.outputTokens > 0);
      // Billed only for what was served: a call that failed before its first token costs nothing.
      const billed = served
        ? usage
        : {
            ...usage,
            inputTokens: 0,
            outputTokens: 0,
            cacheReadTokens: 0,
            cacheWriteTokens: 0,
            totalTokens: 0,
          };
      const entry: RequestLogEntry = {
        id: requestId,
        at: startedAt,
        api,
        model,
        provider,
        inputTokens: billed.inputTokens,
        outputTokens: billed.outputTokens,
        costMicroUsd: pricing ? costInMicroUsd(pricing, billed) : 0,
        status: statusOf(outcome),
        latencyMs: now() - startedAt,
        timeToFirstTokenMs: outcome?.timeToFirstTokenMs ?? null,
        attempts,
        ...(tags.length > 0 ? { tags } : {}),
        ...(conversationId ? { conversationId } : {}),
      };
      const own: Held = {
        userId: identity.userId,
        planName: identity.plan,
        reservation,
        leaseHeld,
      };
      await Promise.all(
        [own, ...heldShared].map((held) => stores.budgets.settle({ ...held, served, entry })),
      );
      if (afterSettle && served) {
        defer(
          afterSettle([
            { kind: 'user', id: identity.userId, ledgerId: identity.userId, limits: plan },
          ]),
        );
      }
    },

    async admitCacheHit() {
      const buckets = [
        { userId: identity.userId, plan, keyId: identity.keyId, sessionId: identity.sessionId },
        ...sharedBuckets.map((bucket) => ({
          ...bucket,
          keyId: undefined,
          sessionId: undefined,
        })),
      ].map((bucket) => ({ ...bucket, plan: rateLimitsOf(bucket.plan) }));
      let outcomes: Awaited<ReturnType<LimitStores['admission']['admit']>>[];
      try {
        outcomes = await Promise.all(
          buckets.map((bucket) =>
            stores.admission.admit(
              {
                ...bucket,
                requestId,
                inputTokens: 0,
                requestedOutputTokens: 0,
                pricing: undefined,
              },
              defer,
            ),
          ),
        );
      } catch (error) {
        failOpenOrThrow(plan.failOpen, error);
        return;
      }
      const [own] = outcomes;
      if (own) copyHeaders(own.headers, headers);
      const refused = outcomes.find((outcome) => !outcome.admitted);
      if (refused && !refused.admitted) {
        outcomes.forEach((outcome, index) => {
          const bucket = buckets[index] as { userId: string; plan: Plan };
          if (outcome.admitted) stores.admission.refundWindows(bucket.userId, bucket.plan, defer);
        });
        throw denialError(refused.denial, headers);
      }
    },

    async settleCacheHit({ model, provider, savedMicroUsd }) {
      if (closed) return;
      closed = true;
      const entry: RequestLogEntry = {
        id: requestId,
        at: startedAt,
        api,
        model,
        provider,
        inputTokens: 0,
        outputTokens: 0,
        costMicroUsd: 0,
        status: 'ok',
        latencyMs: now() - startedAt,
        timeToFirstTokenMs: null,
        attempts: [],
        ...(tags.length > 0 ? { tags } : {}),
        cached: true,
        savedMicroUsd,
      };
      const ledgers = [
        { userId: identity.userId, planName: identity.plan },
        ...sharedBuckets.map((bucket) => ({ userId: bucket.userId, planName: 'shared' })),
      ];
      await Promise.all(
        ledgers.map((ledger) =>
          stores.budgets.settle({
            ...ledger,
            reservation: undefined,
            leaseHeld: false,
            served: true,
            entry,
          }),
        ),
      );
    },

    async abandon() {
      if (closed) return;
      closed = true;
      const held = [{ userId: identity.userId, reservation, leaseHeld }, ...heldShared];
      await Promise.all(
        held
          .filter((entry) => entry.leaseHeld || entry.reservation)
          .map((entry) => stores.admission.release(entry.userId, requestId)),
      );
    },
  };
}

/** A plan's request-rate windows alone: what a cache hit counts against. */
function rateLimitsOf(plan: Plan): Plan {
  return { requestsPerMinute: plan.requestsPerMinute, requestsPerDay: plan.requestsPerDay };
}

/** The accounting of a request, wired to the process's Redis and limit stores. */
export function openChatAccounting(
  caller: ChatCaller,
  config: Config,
  defer: AccountingContext['defer'],
): ChatAccounting {
  const redis = requireRedis(getRedis(config));
  return openAccounting(caller, {
    config,
    stores: getLimitStores(redis),
    defer,
    afterSettle: alertsAfterSettle(redis, caller.identity.userId, defer),
  });
}
