import type { RequestLogEntry } from '@/lib/limits/budget';
import { redisKeys } from '@/lib/limits/keys';
import { periodsAt } from '@/lib/limits/periods';
import { teamLedgerId } from '@/lib/teams/keys';
import { microUsdToUsd } from './cost';
import {
  addBreakdownCounts,
  addCounts,
  addModelCounts,
  asHash,
  breakdownPrefixes,
  type CacheSavings,
  rankByCost,
  scorePairs,
  toSavings,
  toTotals,
  type UsageCounts,
  type UsageTotals,
  usageMetrics,
  zeroCounts,
} from './usage-counts';
import { type PeriodRange, rangeOf, toIso, type UsagePeriod } from './usage-periods';

// @upstash/redis never auto-pipelines HGETALL, LRANGE or ZRANGE, so reads that belong together
// go in an explicit pipeline: one HTTP round trip, and a narrow interface a test can fake.

/** The reads one pipeline of the usage queries chains; `@upstash/redis`'s `Pipeline` fits. */
export interface UsagePipeline {
  hgetall(key: string): UsagePipeline;
  hmget(key: string, ...fields: string[]): UsagePipeline;
  lrange(key: string, start: number, stop: number): UsagePipeline;
  zrange(
    key: string,
    min: `(${number}`,
    max: '+inf',
    options: { byScore: true; withScores: true },
  ): UsagePipeline;
  exec(): Promise<unknown[]>;
}

/** The few Redis reads the usage queries make; `@upstash/redis`'s `Redis` satisfies it. */
export interface UsageRedis {
  hget(key: string, field: string): Promise<unknown>;
  lrange(key: string, start: number, stop: number): Promise<unknown[]>;
  zrange(
    key: string,
    start: number,
    stop: number,
    options: { rev: true; withScores: true },
  ): Promise<unknown[]>;
  pipeline(): UsagePipeline;
}

export interface UsageRequest extends RequestLogEntry {
  costUsd: number;
}

export interface UsageReport {
  userId: string;
  plan: string | null;
  /** ISO 8601; `end` is exclusive. */
  period: { start: string; end: string };
  totals: UsageTotals & CacheSavings;
  byModel: (UsageTotals & { model: string })[];
  byDay: (UsageTotals & { day: string })[];
  /** Spend per tag (lib/tags); a request with two tags counts in both. */
  byTag: (UsageTotals & { tag: string })[];
  /** The period's requests from the request log, newest first. */
  recent: UsageRequest[];
}

export interface UserUsage {
  userId: string;
  plan: string | null;
  lastSeenAt: string;
  totals: UsageTotals;
}

/** Users listed at most: all their totals are read at once, so the list must stay bounded. */
export const maxListedUsers = 1000;
export const maxRecentRequests = 50;

export async function getUsage(
  redis: UsageRedis,
  request: { userId: string; plan: string | null; period: UsagePeriod; now: number },
): Promise<UsageReport> {
  const { userId, plan, period, now } = request;
  const range = rangeOf(period, now);
  const pipeline = redis.pipeline();
  for (const day of range.days) pipeline.hgetall(redisKeys.usageDay(userId, day));
  pipeline.lrange(redisKeys.requestLog(userId), 0, -1);
  const replies = await pipeline.exec();
  const requests = selectRequests(replies[range.days.length], range);
  return {
    userId,
    plan,
    ...summarizeDays(range, replies.slice(0, range.days.length)),
    recent: requests.slice(0, maxRecentRequests),
  };
}

/** What a ledger's day hashes say about a period; every ledger (user, team, key) has them. */
export type LedgerUsage = Pick<UsageReport, 'period' | 'totals' | 'byModel' | 'byDay' | 'byTag'>;

/** The usage of any ledger (`team:<id>`, `key:<id>`, a user id) from its day hashes alone. */
export async function getLedgerUsage(
  redis: UsageRedis,
  { ledgerId, period, now }: { ledgerId: string; period: UsagePeriod; now: number },
): Promise<LedgerUsage> {
  const range = rangeOf(period, now);
  const pipeline = redis.pipeline();
  for (const day of range.days) pipeline.hgetall(redisKeys.usageDay(ledgerId, day));
  return summarizeDays(range, await pipeline.exec());
}

export interface TeamUsageReport extends LedgerUsage {
  teamId: string;
  plan: string;
}

/** A team's usage, from the team ledger the settle script writes beside each member's. */
export async function getTeamUsage(
  redis: UsageRedis,
  request: { teamId: string; plan: string; period: UsagePeriod; now: number },
): Promise<TeamUsageReport> {
  const { teamId, plan, period, now } = request;
  return {
    teamId,
    plan,
    ...(await getLedgerUsage(redis, { ledgerId: teamLedgerId(teamId), period, now })),
  };
}

function summarizeDays(range: PeriodRange, replies: unknown[]): LedgerUsage {
  const hashes = replies.map(asHash);
  const totals = zeroCounts();
  const models = new Map<string, UsageCounts>();
  const tags = new Map<string, UsageCounts>();
  const byDay = range.days.map((day, index) => {
    const counts = addCounts(zeroCounts(), hashes[index]);
    addCounts(totals, hashes[index]);
    addModelCounts(models, hashes[index]);
    addBreakdownCounts(breakdownPrefixes.tag, tags, hashes[index]);
    return { day, ...toTotals(counts) };
  });
  return {
    period: { start: toIso(range.start), end: toIso(range.end) },
    totals: { ...toTotals(totals), ...toSavings(totals) },
    byModel: rankByCost(models).map(([model, counts]) => ({ model, ...toTotals(counts) })),
    byDay,
    byTag: rankByCost(tags).map(([tag, counts]) => ({ tag, ...toTotals(counts) })),
  };
}

/** The request-log entries of the period, newest first (the log keeps the latest 200). */
export async function listRequests(
  redis: UsageRedis,
  { userId, period, now }: { userId: string; period: UsagePeriod; now: number },
): Promise<UsageRequest[]> {
  const lines = await redis.lrange(redisKeys.requestLog(userId), 0, -1);
  return selectRequests(lines, rangeOf(period, now));
}

function selectRequests(lines: unknown, { start, end }: PeriodRange): UsageRequest[] {
  return (Array.isArray(lines) ? lines : [])
    .map(parseLogEntry)
    .filter((entry): entry is RequestLogEntry => !!entry && entry.at >= start && entry.at < end)
    .map((entry) => ({ ...entry, costUsd: microUsdToUsd(entry.costMicroUsd) }));
}

/** Every user seen (the most recent `maxListedUsers`), with their totals, by cost. */
export async function listUsers(
  redis: UsageRedis,
  { period, now }: { period: UsagePeriod; now: number },
): Promise<{ period: { start: string; end: string }; users: UserUsage[] }> {
  const range = rangeOf(period, now);
  const seen = scorePairs(
    await redis.zrange(redisKeys.users(), 0, maxListedUsers - 1, { rev: true, withScores: true }),
  );
  const keysOf = (userId: string) =>
    period === 'month'
      ? [redisKeys.usageMonth(userId, periodsAt(now).month)]
      : range.days.map((day) => redisKeys.usageDay(userId, day));
  const { plans, counts } = await readUserCounts(
    redis,
    seen.map(([userId]) => userId),
    keysOf,
  );
  const users = seen.map(([userId, lastSeen], index) => {
    const ofUser = counts[index] ?? zeroCounts();
    return {
      userId,
      plan: toPlanName(plans?.[userId]),
      lastSeenAt: toIso(lastSeen),
      micro: ofUser.micro,
      totals: toTotals(ofUser),
    };
  });
  return {
    period: { start: toIso(range.start), end: toIso(range.end) },
    users: users
      .sort((a, b) => b.micro - a.micro || b.totals.requests - a.totals.requests)
      .map(({ micro: _micro, ...user }) => user),
  };
}

/** The users' plans and their counters summed over their keys, in one pipeline. */
async function readUserCounts(
  redis: UsageRedis,
  userIds: string[],
  keysOf: (userId: string) => string[],
): Promise<{ plans: Record<string, unknown> | null; counts: UsageCounts[] }> {
  // An empty pipeline is an error in @upstash/redis.
  if (userIds.length === 0) return { plans: null, counts: [] };
  const keys = userIds.map(keysOf);
  const pipeline = redis.pipeline().hmget(redisKeys.userPlans(), ...userIds);
  for (const key of keys.flat()) pipeline.hmget(key, ...usageMetrics);
  const [plans, ...hashes] = await pipeline.exec();
  let next = 0;
  const counts = keys.map((ofUser) =>
    ofUser.reduce((sum) => addCounts(sum, asHash(hashes[next++])), zeroCounts()),
  );
  return { plans: asHash(plans), counts };
}

/** The plan a user was last seen on, or null for a user who never made a request. */
export async function findUserPlan(redis: UsageRedis, userId: string): Promise<string | null> {
  return toPlanName(await redis.hget(redisKeys.userPlans(), userId));
}

/** Plan names come back deserialized: a plan named "2024" would arrive as a number. */
function toPlanName(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

/** The client parses JSON replies itself; a raw string is parsed here. Bad lines are skipped. */
export function parseLogEntry(line: unknown): RequestLogEntry | undefined {
  let value = line;
  if (typeof line === 'string') {
    try {
      value = JSON.parse(line);
    } catch {
      return undefined;
    }
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const entry = value as RequestLogEntry;
  return typeof entry.at === 'number' && typeof entry.costMicroUsd === 'number' ? entry : undefined;
}
