import { ledgerIds, redisKeys } from '@/lib/limits/keys';
import type { UsageRedis } from './queries';
import {
  addBreakdownCounts,
  addCounts,
  asHash,
  breakdownPrefixes,
  type CacheSavings,
  rankByCost,
  toSavings,
  toTotals,
  type UsageCounts,
  type UsageTotals,
  zeroCounts,
} from './usage-counts';
import { rangeOf, toIso, type UsagePeriod } from './usage-periods';

/** Entries listed per top list; the rest of the period's spend is in the totals. */
export const maxTopEntries = 10;

/** Totals with what the response cache saved: `cachedRequests` hits, `savedUsd` not spent. */
export type OverviewTotals = UsageTotals & CacheSavings;

export interface UsageOverview {
  /** ISO 8601; `end` is exclusive. */
  period: { start: string; end: string };
  totals: OverviewTotals;
  byDay: (OverviewTotals & { day: string })[];
  /** How many users, teams, models and tags had usage in the period (the lists hold the top). */
  counts: { users: number; teams: number; models: number; tags: number };
  topUsers: (UsageTotals & { userId: string })[];
  topTeams: (UsageTotals & { teamId: string })[];
  topModels: (UsageTotals & { model: string })[];
  topTags: (UsageTotals & { tag: string })[];
}

function toOverviewTotals(counts: UsageCounts): OverviewTotals {
  return { ...toTotals(counts), ...toSavings(counts) };
}

/**
 * The deployment's usage for the period, from the `*` day hashes alone (one pipeline of one
 * HGETALL per day): totals and cache savings per day, and the top users, teams, models and tags.
 * Every breakdown is read from the day hashes, so a month is its days, not the month hash.
 */
export async function getUsageOverview(
  redis: UsageRedis,
  { period, now }: { period: UsagePeriod; now: number },
): Promise<UsageOverview> {
  const range = rangeOf(period, now);
  const pipeline = redis.pipeline();
  for (const day of range.days) pipeline.hgetall(redisKeys.usageDay(ledgerIds.deployment, day));
  const hashes = (await pipeline.exec()).map(asHash);

  const totals = zeroCounts();
  const breakdowns = new Map<string, Map<string, UsageCounts>>(
    Object.values(breakdownPrefixes).map((prefix) => [prefix, new Map()]),
  );
  const byDay = range.days.map((day, index) => {
    const hash = hashes[index] ?? null;
    const counts = addCounts(zeroCounts(), hash);
    addCounts(totals, hash);
    for (const [prefix, breakdown] of breakdowns) addBreakdownCounts(prefix, breakdown, hash);
    return { day, ...toOverviewTotals(counts) };
  });
  const of = (prefix: string) => breakdowns.get(prefix) ?? new Map<string, UsageCounts>();
  const top = (prefix: string) =>
    rankByCost(of(prefix))
      .slice(0, maxTopEntries)
      .map(([name, counts]) => ({ name, totals: toTotals(counts) }));
  return {
    period: { start: toIso(range.start), end: toIso(range.end) },
    totals: toOverviewTotals(totals),
    byDay,
    counts: {
      users: of(breakdownPrefixes.user).size,
      teams: of(breakdownPrefixes.team).size,
      models: of(breakdownPrefixes.model).size,
      tags: of(breakdownPrefixes.tag).size,
    },
    topUsers: top(breakdownPrefixes.user).map(({ name, totals }) => ({ userId: name, ...totals })),
    topTeams: top(breakdownPrefixes.team).map(({ name, totals }) => ({ teamId: name, ...totals })),
    topModels: top(breakdownPrefixes.model).map(({ name, totals }) => ({ model: name, ...totals })),
    topTags: top(breakdownPrefixes.tag).map(({ name, totals }) => ({ tag: name, ...totals })),
  };
}
