import type { Redis } from '@upstash/redis';
import type { Attempt, ChatApi } from '@/lib/chat/types';
import type { Limits } from '@/lib/config';
import { redisKeys } from './keys';
import {
  type LimitKind,
  type LimitName,
  type LimitUnit,
  limitNames,
  limitTable,
} from './limit-table';
import { type Periods, periodsAt } from './periods';
import { settleUsageScript } from './scripts';

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

/** One line of a user's request log. */
export interface RequestLogEntry {
  id: string;
  /** Epoch ms when the request arrived. */
  at: number;
  /** The wire API the request came through; absent on entries written before it was recorded. */
  api?: ChatApi;
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
  /** The request's tags (`x-tollgate-tags`, `metadata`). */
  tags?: string[];
  /** The API key it came with. */
  keyId?: string;
  /** The team whose plan it counted against. */
  teamId?: string;
  /** Served from the response cache. */
  cached?: boolean;
  /** What a cache hit saved, in micro-dollars. */
  savedMicroUsd?: number;
  /** Soft limits the request was over when it was admitted (and served anyway). */
  limitWarnings?: LimitName[];
  conversationId?: string;
}

/** A ledger a settlement writes: its usage, and what the request held there. */
export interface SettledLedger {
  ledgerId: string;
  /** Drop the request's reservation there. */
  reservation: boolean;
  /** Drop the request's concurrency lease there. */
  lease: boolean;
  /** Push the entry onto the ledger's request log. */
  log: boolean;
  /** Breakdowns besides `m:` and `t:` (on `*`: `u:<userId>`, `g:<teamId>`). */
  breakdowns?: string[];
}

export interface Settlement {
  /** Put in the user index with this plan; undefined for no user (a guests' bucket only). */
  userId: string | undefined;
  planName: string;
  /** The periods the reservation was taken in; default: those of `entry.at`. */
  periods: Periods | undefined;
  ledgers: SettledLedger[];
  /** Whether the request produced an answer (a failure before the first token did not). */
  served: boolean;
  entry: RequestLogEntry;
}

function hasKindOf(limits: Limits, kind: LimitKind, unit?: LimitUnit): boolean {
  return limitNames.some(
    (name) =>
      limitTable[name].kind === kind &&
      (unit === undefined || limitTable[name].unit === unit) &&
      limits[name] !== undefined,
  );
}

export function hasBudget(limits: Limits): boolean {
  return hasKindOf(limits, 'budget');
}

export function hasDollarBudget(limits: Limits): boolean {
  return hasKindOf(limits, 'budget', 'micro');
}

/** Reservations and leases are taken by the admission script (scripts.ts); this settles them. */
export interface BudgetStore {
  /** Releases the reservations and leases and records the real usage in every ledger, atomically. */
  settle(settlement: Settlement): Promise<void>;
}

export function createBudgetStore({
  redis,
  now = Date.now,
}: {
  redis: Redis;
  now?: () => number;
}): BudgetStore {
  const settleScript = redis.createScript<number>(settleUsageScript);

  return {
    async settle({ userId, planName, periods: reserved, ledgers, served, entry }) {
      const periods = reserved ?? periodsAt(entry.at);
      const tags = entry.tags ?? [];
      await settleScript.exec(
        [
          redisKeys.users(),
          redisKeys.userPlans(),
          ...ledgers.flatMap(({ ledgerId }) => [
            redisKeys.usageDay(ledgerId, periods.day),
            redisKeys.usageMonth(ledgerId, periods.month),
            redisKeys.reservations(ledgerId),
            redisKeys.reservationAmounts(ledgerId),
            redisKeys.leases(ledgerId),
            redisKeys.requestLog(ledgerId),
          ]),
        ],
        [
          entry.id,
          String(entry.inputTokens),
          String(entry.outputTokens),
          String(entry.costMicroUsd),
          entry.model,
          served ? '1' : '0',
          JSON.stringify(entry),
          String(now()),
          userId ?? '',
          planName,
          String(requestLogLength),
          String(usageRetentionSeconds),
          entry.cached ? '1' : '0',
          String(entry.savedMicroUsd ?? 0),
          String(tags.length),
          ...tags,
          String(ledgers.length),
          ...ledgers.flatMap((ledger) => {
            const breakdowns = ledger.breakdowns ?? [];
            return [
              // Leases and reservations are held under the request's id.
              ledger.reservation ? '1' : '0',
              ledger.lease ? '1' : '0',
              ledger.log ? '1' : '0',
              String(breakdowns.length),
              ...breakdowns,
            ];
          }),
        ],
      );
    },
  };
}
