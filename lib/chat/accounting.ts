import { planOf, requireRedis } from '@/lib/auth/identify';
import { type Identity, identityHeaders, readIdentity } from '@/lib/auth/identity';
import type { Config, Pricing } from '@/lib/config';
import { GatewayError } from '@/lib/errors';
import { getLimitStores, type LimitStores } from '@/lib/limits';
import {
  hasBudget,
  hasDollarBudget,
  type RequestLogEntry,
  type Reservation,
} from '@/lib/limits/budget';
import { failOpenOrThrow, getRedis } from '@/lib/store/redis';
import { costInMicroUsd } from '@/lib/usage/cost';
import type { Attempt, ChatOutcome } from './types';

/** What one chat request owes the limits: reserve before the call, settle once after it. */
export interface ChatAccounting {
  readonly identity: Identity;
  /** The plan has a dollar budget, so only priced models may serve it. */
  readonly pricesRequired: boolean;
  /** Reserves budget; returns the output tokens the call may produce (clamped to what is left). */
  reserve(input: {
    inputTokens: number;
    requestedOutputTokens: number;
    pricing: Pricing | undefined;
  }): Promise<number>;
  /** Records how the answer ended and frees its reservation and lease. Runs at most once. */
  settle(ending: ChatEnding): Promise<void>;
  /** The request ended before reaching a provider (bad input): free the lease, record nothing. */
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

export interface AccountingContext {
  config: Config;
  stores: LimitStores;
  now?: () => number;
}

function statusOf(outcome: ChatOutcome | undefined): RequestLogEntry['status'] {
  if (!outcome || outcome.ending === 'failed') return 'error';
  return outcome.ending === 'aborted' ? 'aborted' : 'ok';
}

export function openAccounting(
  request: Request,
  { config, stores, now = Date.now }: AccountingContext,
): ChatAccounting {
  const identity = readIdentity(request);
  if (!identity)
    throw new GatewayError('unauthorized', 'Send an API key as `Authorization: Bearer <key>`.');
  const plan = planOf(config, identity.plan);
  const requestId = request.headers.get('x-request-id') ?? crypto.randomUUID();
  const leaseHeld = request.headers.get(identityHeaders.lease) === '1';
  const startedAt = now();
  let reservation: Reservation | undefined;
  let closed = false;

  const releaseLease = () =>
    leaseHeld ? stores.leases.release(identity.userId, requestId) : Promise.resolve();

  return {
    identity,
    pricesRequired: hasDollarBudget(plan),
    async reserve({ inputTokens, requestedOutputTokens, pricing }) {
      if (!hasBudget(plan)) return requestedOutputTokens;
      reservation = await stores.budgets
        .reserve({
          userId: identity.userId,
          plan,
          requestId,
          inputTokens,
          requestedOutputTokens,
          pricing,
        })
        // A fail-open plan is served unmetered while the store is down, as admission did.
        .catch((error: unknown) => failOpenOrThrow(plan.failOpen, error));
      return reservation?.outputTokens ?? requestedOutputTokens;
    },

    async settle({ model, provider, pricing, outcome, attempts }) {
      if (closed) return;
      closed = true;
      const usage = outcome?.usage ?? {
        inputTokens: 0,
        outputTokens: 0,
        cacheReadTokens: 0,
        totalTokens: 0,
      };
      const served =
        outcome !== undefined && (outcome.ending !== 'failed' || usage.outputTokens > 0);
      // Billed only for what was served: a call that failed before its first token costs nothing.
      const billed = served
        ? usage
        : { ...usage, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, totalTokens: 0 };
      await Promise.all([
        stores.budgets.settle({
          userId: identity.userId,
          planName: identity.plan,
          reservation,
          served,
          entry: {
            id: requestId,
            at: startedAt,
            model,
            provider,
            inputTokens: billed.inputTokens,
            outputTokens: billed.outputTokens,
            costMicroUsd: pricing ? costInMicroUsd(pricing, billed) : 0,
            status: statusOf(outcome),
            latencyMs: now() - startedAt,
            timeToFirstTokenMs: outcome?.timeToFirstTokenMs ?? null,
            attempts,
          },
        }),
        releaseLease(),
      ]);
    },

    async abandon() {
      if (closed) return;
      closed = true;
      await releaseLease();
    },
  };
}

/** The accounting of a request, wired to the process's Redis and limit stores. */
export function openChatAccounting(request: Request, config: Config): ChatAccounting {
  return openAccounting(request, {
    config,
    stores: getLimitStores(requireRedis(getRedis(config))),
  });
}
