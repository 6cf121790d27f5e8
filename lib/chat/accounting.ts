import { alertsAfterSettle } from '@/lib/alerts';
import { planOf, requireRedis } from '@/lib/auth/identify';
import type { Identity } from '@/lib/auth/identity';
import type { Config, Limits, Plan, Pricing } from '@/lib/config';
import { GatewayError } from '@/lib/errors';
import { copyHeaders } from '@/lib/http/headers';
import { getLimitStores, type LimitStores } from '@/lib/limits';
import type { AdmissionScope, HeldLedger } from '@/lib/limits/admission';
import { denialError, limitWarningHeader } from '@/lib/limits/admission-replies';
import {
  hasDollarBudget,
  type RequestLogEntry,
  type Reservation,
  type SettledLedger,
} from '@/lib/limits/budget';
import { ledgerIds } from '@/lib/limits/keys';
import type { LimitName } from '@/lib/limits/limit-table';
import { failOpenOrThrow, getRedis } from '@/lib/store/redis';
import { costInMicroUsd } from '@/lib/usage/cost';
import type { Attempt, ChatApi, ChatOutcome } from './types';
import { billedUsage } from './usage';

/** What one chat request owes the limits: admit before the call, settle once after it. */
export interface ChatAccounting {
  readonly identity: Identity;
  /** A scope has a dollar budget, so only priced models may serve it. */
  readonly pricesRequired: boolean;
  /** The `x-ratelimit-*` and `x-tollgate-limit-warning` headers of the response; set by `admit`. */
  readonly headers: Headers;
  /** The soft limits the request is over (it is served anyway); set by `admit`. */
  readonly limitWarnings: LimitName[];
  /**
   * Admits the request against every limit of every scope (the user's plan, the team's plan, the
   * key's limits, the guests' buckets) and reserves its budget, in one round trip to Redis;
   * returns the output tokens the call may produce (clamped to what the hard budgets leave).
   * A refusal throws its 401, 429 or 402 and holds nothing anywhere.
   */
  admit(input: {
    inputTokens: number;
    requestedOutputTokens: number;
    pricing: Pricing | undefined;
  }): Promise<number>;
  /** Admits a response-cache hit: it counts against the rate windows only (no lease, no budget). */
  admitCacheHit(): Promise<void>;
  /** Records how the answer ended and frees its reservations and leases. Runs at most once. */
  settle(ending: ChatEnding): Promise<void>;
  /** Records a cache hit: a request with no tokens and no cost, and what it saved. */
  settleCacheHit(hit: { model: string; provider: string; savedMicroUsd: number }): Promise<void>;
  /** The request ended before reaching a provider: free its leases and reservations, record nothing. */
  abandon(): Promise<void>;
}

export interface ChatEnding {
  model: string;
  provider: string;
  pricing: Pricing | undefined;
  /** Absent when the call failed before its first token. */
  outcome?: ChatOutcome;
  attempts: Attempt[];
}

/** A ledger whose limits a settled request counted against, for the alerts. */
export interface SettledScope {
  kind: 'user' | 'team' | 'key';
  id: string;
  ledgerId: string;
  /** A plan (alerts read its `alerts`), or a key's own limits. */
  limits: Plan;
}

/** Runs after every settlement, with the scopes it wrote (spend alerts plug in here). */
export type AfterSettle = (ledgers: SettledScope[]) => void | Promise<void>;

export const noAfterSettle: AfterSettle = () => {};

export interface AccountingContext {
  config: Config;
  stores: LimitStores;
  /** Hands work that may finish after the response (refunds) to the platform. */
  defer: (task: Promise<unknown>) => void;
  /** Deferred after each served request's settlement. Default: `noAfterSettle`. Its failure is logged, never the request's. */
  afterSettle?: AfterSettle;
  now?: () => number;
}

function statusOf(outcome: ChatOutcome | undefined): RequestLogEntry['status'] {
  if (!outcome || outcome.ending === 'failed') return 'error';
  return outcome.ending === 'aborted' ? 'aborted' : 'ok';
}

/**
 * Limits a request counts against besides its caller's (guests: one bucket per address, one for
 * all guests), kept under their own ledger id; admitted in the same script as the caller's own.
 */
export interface SharedBucket {
  ledgerId: string;
  limits: Limits;
}

/** Who a chat request is from, and the id its usage record will carry. */
export interface ChatCaller {
  identity: Identity;
  requestId: string;
  /** Default: none. */
  sharedBuckets?: SharedBucket[];
  /** The caller's team, whose plan applies on top of the user's. Default: none. */
  team?: { id: string; planName: string };
  /** Kept in the request log and the per-tag breakdowns. Default: none. */
  tags?: string[];
  /** Default: `chat`. */
  api?: ChatApi;
  /** The stored conversation the request continues, recorded with it. Default: none. */
  conversationId?: string;
}

/** The scopes a caller's request counts against, its own plan first. */
function scopesOf(config: Config, caller: ChatCaller): AdmissionScope[] {
  const { identity, team, sharedBuckets = [] } = caller;
  const scopes: AdmissionScope[] = [
    {
      kind: 'user',
      id: identity.userId,
      ledgerId: identity.userId,
      limits: planOf(config, identity.plan),
    },
  ];
  if (team) {
    const limits = planOf(config, team.planName);
    scopes.push({ kind: 'team', id: team.id, ledgerId: ledgerIds.team(team.id), limits });
  }
  if (identity.keyId !== undefined) {
    // A key without limits of its own still keeps its usage under its id.
    scopes.push({
      kind: 'key',
      id: identity.keyId,
      ledgerId: ledgerIds.key(identity.keyId),
      limits: identity.keyLimits ?? {},
    });
  }
  for (const bucket of sharedBuckets) {
    scopes.push({ kind: 'guests', id: bucket.ledgerId, ...bucket });
  }
  return scopes;
}

export function openAccounting(
  caller: ChatCaller,
  { config, stores, defer, afterSettle = noAfterSettle, now = Date.now }: AccountingContext,
): ChatAccounting {
  const { identity, requestId, team, tags = [], api = 'chat', conversationId } = caller;
  const plan = planOf(config, identity.plan);
  const scopes = scopesOf(config, caller);
  const startedAt = now();
  const headers = new Headers();
  const limitWarnings: LimitName[] = [];
  let reservation: Reservation | undefined;
  let held: HeldLedger[] = [];
  let closed = false;
  const pricesRequired = scopes.some((scope) => hasDollarBudget(scope.limits));

  async function admitScopes(input: {
    inputTokens: number;
    requestedOutputTokens: number;
    pricing: Pricing | undefined;
    ratesOnly: boolean;
  }): Promise<number> {
    let admission: Awaited<ReturnType<LimitStores['admission']['admit']>>;
    try {
      admission = await stores.admission.admit(
        {
          requestId,
          scopes,
          keyId: identity.keyId,
          keyHash: identity.keyHash,
          sessionId: identity.sessionId,
          ...input,
        },
        defer,
      );
    } catch (error) {
      // A fail-open plan is served unmetered while the store is down. A keyed caller got here
      // with a key record this instance cached or a signed session; a revocation made before
      // the outage cannot be seen until it ends, and none can be made during it.
      failOpenOrThrow(plan.failOpen, error);
      return input.requestedOutputTokens;
    }
    copyHeaders(admission.headers, headers);
    // A refusal by any scope reads the same: its own sentence names whose limit it was.
    if (!admission.admitted) throw denialError(admission.denial, headers);
    reservation = admission.reservation;
    held = admission.held;
    limitWarnings.push(...admission.warnings);
    if (limitWarnings.length > 0) headers.set(limitWarningHeader, limitWarnings.join(','));
    return admission.outputTokens;
  }

  /** Every ledger the request writes: its scopes and the deployment, with what they hold. */
  function ledgersToSettle(): SettledLedger[] {
    const holding = new Map(held.map((ledger) => [ledger.ledgerId, ledger]));
    const ledgers: SettledLedger[] = scopes.map((scope) => ({
      ledgerId: scope.ledgerId,
      reservation: holding.get(scope.ledgerId)?.reservation ?? false,
      lease: holding.get(scope.ledgerId)?.lease ?? false,
      log: scope.kind !== 'guests',
    }));
    const breakdowns = [`u:${identity.userId}`, ...(team ? [`g:${team.id}`] : [])];
    ledgers.push({
      ledgerId: ledgerIds.deployment,
      reservation: false,
      lease: false,
      log: false,
      breakdowns,
    });
    return ledgers;
  }

  async function write(entry: RequestLogEntry, served: boolean): Promise<void> {
    await stores.budgets.settle({
      userId: identity.userId,
      planName: identity.plan,
      periods: reservation?.periods,
      ledgers: ledgersToSettle(),
      served,
      entry,
    });
    if (!served) return;
    const settled = scopes.flatMap((scope): SettledScope[] =>
      scope.kind === 'guests' ? [] : [{ ...scope, kind: scope.kind }],
    );
    defer(
      (async () => afterSettle(settled))().catch((error) => {
        console.error(JSON.stringify({ event: 'tollgate.after_settle_failed', error: `${error}` }));
      }),
    );
  }

  function entryFields(): Partial<RequestLogEntry> {
    return {
      ...(tags.length > 0 ? { tags } : {}),
      ...(identity.keyId !== undefined ? { keyId: identity.keyId } : {}),
      ...(team ? { teamId: team.id } : {}),
      ...(limitWarnings.length > 0 ? { limitWarnings } : {}),
      ...(conversationId ? { conversationId } : {}),
    };
  }

  return {
    identity,
    pricesRequired,
    headers,
    limitWarnings,
    async admit({ inputTokens, requestedOutputTokens, pricing }) {
      if (pricesRequired && !pricing) {
        throw new GatewayError(
          'invalid_request',
          'This model has no known price and your plan has a dollar budget, so it cannot be used.',
          { param: 'model' },
        );
      }
      return admitScopes({ inputTokens, requestedOutputTokens, pricing, ratesOnly: false });
    },

    async admitCacheHit() {
      await admitScopes({
        inputTokens: 0,
        requestedOutputTokens: 0,
        pricing: undefined,
        ratesOnly: true,
      });
    },

    async settle({ model, provider, pricing, outcome, attempts }) {
      if (closed) return;
      closed = true;
      const { served, usage: billed } = billedUsage(outcome);
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
        ...entryFields(),
      };
      await write(entry, served);
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
        cached: true,
        savedMicroUsd,
        ...entryFields(),
      };
      await write(entry, true);
    },

    async abandon() {
      if (closed) return;
      closed = true;
      if (held.length > 0) await stores.admission.release(held, requestId);
    },
  };
}

/** The accounting of a request, wired to the process's Redis and limit stores. */
export function openChatAccounting(
  caller: ChatCaller,
  config: Config,
  defer: AccountingContext['defer'],
  afterSettle?: AfterSettle,
): ChatAccounting {
  const redis = requireRedis(getRedis(config));
  return openAccounting(caller, {
    config,
    stores: getLimitStores(redis),
    defer,
    afterSettle: afterSettle ?? alertsAfterSettle(redis, caller.identity.userId, defer),
  });
}
