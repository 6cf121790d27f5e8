import type { Limits } from '@/lib/config';
import { ledgerIds, redisKeys } from '@/lib/limits/keys';
import { budgetField, type LimitName, limitNames, limitTable } from '@/lib/limits/limit-table';
import { periodsAt, resetOf } from '@/lib/limits/periods';
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
  /** Dollars for spend limits, counts otherwise. */
  limit: number;
  /** For concurrency: the leases held now. */
  used: number;
  remaining: number;
  /** ISO 8601. For concurrency: when the oldest lease expires at the latest. */
  resetAt: string;
  /** A soft limit warns instead of refusing. */
  mode: 'soft' | 'hard';
}

export type LimitViews = Partial<Record<LimitName, LimitView>>;

/** What `GET /api/limits` answers: `limits` is the user's plan, `scopes` every set that applies. */
export interface LimitsReport {
  userId: string;
  plan: string;
  limits: LimitViews;
  scopes: {
    user: { plan: string; limits: LimitViews };
    team?: { id: string; plan: string; limits: LimitViews };
    key?: { id: string; limits: LimitViews };
  };
}

export interface LimitsRequest {
  userId: string;
  plan: Limits;
  planName: string;
  now: number;
  /** The caller's team and its plan. Default: none. */
  team?: { id: string; planName: string; plan: Limits };
  /** The API key the caller came with and its own limits. Default: none. */
  key?: { id: string; limits: Limits };
}

/** Every limit of every scope, with what is used of it now; limits a scope lacks are omitted. */
export async function getLimits(
  redis: UsageRedis,
  stores: RateWindowStores,
  request: LimitsRequest,
): Promise<LimitsReport> {
  const { userId, plan, planName, now, team, key } = request;
  const [user, teamViews, keyViews] = await Promise.all([
    readScope(redis, stores, userId, plan, now),
    team ? readScope(redis, stores, ledgerIds.team(team.id), team.plan, now) : undefined,
    key ? readScope(redis, stores, ledgerIds.key(key.id), key.limits, now) : undefined,
  ]);
  return {
    userId,
    plan: planName,
    limits: user,
    scopes: {
      user: { plan: planName, limits: user },
      ...(team && teamViews
        ? { team: { id: team.id, plan: team.planName, limits: teamViews } }
        : {}),
      ...(key && keyViews ? { key: { id: key.id, limits: keyViews } } : {}),
    },
  };
}

async function readScope(
  redis: UsageRedis,
  stores: RateWindowStores,
  ledgerId: string,
  limits: Limits,
  now: number,
): Promise<LimitViews> {
  const periods = periodsAt(now);
  const present = limitNames.filter((name) => limits[name] !== undefined);
  const pipeline = redis
    .pipeline()
    .hmget(redisKeys.usageDay(ledgerId, periods.day), 'tokens', 'micro')
    .hmget(redisKeys.usageMonth(ledgerId, periods.month), 'tokens', 'micro')
    .zrange(redisKeys.leases(ledgerId), `(${now}`, '+inf', { byScore: true, withScores: true });
  const [windows, [dayReply, monthReply, leases]] = await Promise.all([
    Promise.all(
      present.map((name) => {
        const spec = limitTable[name];
        if (spec.kind !== 'rate') return undefined;
        const window = spec.period as RateWindow;
        return stores.limiterFor(window, limits[name] as number).getRemaining(ledgerId);
      }),
    ),
    pipeline.exec(),
  ]);
  const usage = { day: asHash(dayReply), month: asHash(monthReply) };
  const held = scorePairs(Array.isArray(leases) ? leases : []);

  const views: LimitViews = {};
  present.forEach((name, index) => {
    const spec = limitTable[name];
    const limit = limits[name] as number;
    const mode = limits.soft?.includes(name) ? 'soft' : 'hard';
    const window = windows[index];
    if (spec.kind === 'rate' && window) {
      const remaining = Math.min(limit, Math.max(0, window.remaining));
      views[name] = view(limit, limit - remaining, window.reset, mode);
    } else if (spec.kind === 'concurrency') {
      views[name] = view(limit, held.length, held[0]?.[1] ?? now, mode);
    } else if (spec.kind === 'budget') {
      const hash = spec.period === 'day' ? usage.day : usage.month;
      const used = readCount(hash?.[budgetField(name)]);
      const resetAt = resetOf(name, periods) ?? now;
      views[name] =
        spec.unit === 'micro'
          ? spendView(limit, used, resetAt, mode)
          : view(limit, used, resetAt, mode);
    }
  });
  return views;
}

function view(limit: number, used: number, resetAt: number, mode: LimitView['mode']): LimitView {
  return { limit, used, remaining: Math.max(0, limit - used), resetAt: toIso(resetAt), mode };
}

/** Dollars are subtracted in micro-dollars so that remaining has no float noise. */
function spendView(
  limitUsd: number,
  usedMicro: number,
  resetAt: number,
  mode: LimitView['mode'],
): LimitView {
  const limit = Math.round(limitUsd * 1e6);
  return {
    limit: limitUsd,
    used: microUsdToUsd(usedMicro),
    remaining: microUsdToUsd(Math.max(0, limit - usedMicro)),
    resetAt: toIso(resetAt),
    mode,
  };
}
