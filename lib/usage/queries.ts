import type { Plan } from '@/lib/config';
import type { RequestLogEntry } from '@/lib/limits/budget';
import { redisKeys } from '@/lib/limits/keys';
import { daysBetween, periodsAt } from '@/lib/limits/periods';
import type { RateWindow } from '@/lib/limits/rate-limits';
import { microUsdToUsd } from './cost';

// Every query issues its reads in the same tick: the client's auto-pipelining sends them to
// Redis as one round trip, and tests can stand in with a plain object.

/** The few Redis reads the usage queries make; `@upstash/redis`'s `Redis` satisfies it. */
export interface UsageRedis {
  hget(key: string, field: string): Promise<unknown>;
  hgetall(key: string): Promise<Record<string, unknown> | null>;
  hmget(key: string, ...fields: string[]): Promise<Record<string, unknown> | null>;
  lrange(key: string, start: number, stop: number): Promise<unknown[]>;
  zrange(
    key: string,
    start: number,
    stop: number,
    options: { rev: true; withScores: true },
  ): Promise<unknown[]>;
  zrange(
    key: string,
    min: `(${number}`,
    max: '+inf',
    options: { byScore: true; withScores: true },
  ): Promise<unknown[]>;
}

/** Reads a rate window without counting a request; `@upstash/ratelimit`'s `Ratelimit` fits. */
export interface RateWindowReader {
  getRemaining(identifier: string): Promise<{ remaining: number; reset: number }>;
}

export interface RateWindowStores {
  limiterFor(window: RateWindow, limit: number): RateWindowReader;
}

export const usagePeriods = ['day', 'week', 'month'] as const;
export type UsagePeriod = (typeof usagePeriods)[number];

export interface UsageTotals {
  requests: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export interface UsageRequest extends RequestLogEntry {
  costUsd: number;
}

export interface UsageReport {
  userId: string;
  plan: string | null;
  /** ISO 8601; `end` is exclusive. */
  period: { start: string; end: string };
  totals: UsageTotals;
  byModel: (UsageTotals & { model: string })[];
  byDay: (UsageTotals & { day: string })[];
  /** The period's requests from the request log, newest first. */
  recent: UsageRequest[];
}

export interface UserUsage {
  userId: string;
  plan: string | null;
  lastSeenAt: string;
  totals: UsageTotals;
}

export interface LimitView {
  limit: number;
  used: number;
  remaining: number;
  /** ISO 8601. */
  resetAt: string;
}

/** The period's start (inclusive) and end (exclusive) in epoch ms, and its days up to today. */
export interface PeriodRange {
  start: number;
  end: number;
  days: string[];
}

/** Users listed at most: the list is read in one pipeline and must stay bounded. */
export const maxListedUsers = 1000;
export const maxRecentRequests = 50;
const metrics = ['requests', 'input', 'output', 'micro'] as const;
type Metric = (typeof metrics)[number];
type Counts = Record<Metric, number>;
const modelPrefix = 'm:';

export function rangeOf(period: UsagePeriod, now: number): PeriodRange {
  const date = new Date(now);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  const day = date.getUTCDate();
  const start =
    period === 'month'
      ? Date.UTC(year, month, 1)
      : Date.UTC(year, month, period === 'week' ? day - 6 : day);
  const end = period === 'month' ? Date.UTC(year, month + 1, 1) : Date.UTC(year, month, day + 1);
  return { start, end, days: daysBetween(start, now) };
}

export async function getUsage(
  redis: UsageRedis,
  request: { userId: string; plan: string | null; period: UsagePeriod; now: number },
): Promise<UsageReport> {
  const { userId, plan, period, now } = request;
  const range = rangeOf(period, now);
  const [hashes, requests] = await Promise.all([
    Promise.all(range.days.map((day) => redis.hgetall(redisKeys.usageDay(userId, day)))),
    listRequests(redis, { userId, period, now }),
  ]);
  const totals = zeroCounts();
  const models = new Map<string, Counts>();
  const byDay = range.days.map((day, index) => {
    const counts = addCounts(zeroCounts(), hashes[index]);
    addCounts(totals, hashes[index]);
    addModelCounts(models, hashes[index]);
    return { day, ...toTotals(counts) };
  });
  const byModel = [...models]
    .map(([model, counts]) => ({ model, micro: counts.micro, ...toTotals(counts) }))
    .sort((a, b) => b.micro - a.micro || b.requests - a.requests || a.model.localeCompare(b.model))
    .map(({ micro: _micro, ...model }) => model);
  return {
    userId,
    plan,
    period: { start: toIso(range.start), end: toIso(range.end) },
    totals: toTotals(totals),
    byModel,
    byDay,
    recent: requests.slice(0, maxRecentRequests),
  };
}

/** The request-log entries of the period, newest first (the log keeps the latest 200). */
export async function listRequests(
  redis: UsageRedis,
  { userId, period, now }: { userId: string; period: UsagePeriod; now: number },
): Promise<UsageRequest[]> {
  const { start, end } = rangeOf(period, now);
  const lines = await redis.lrange(redisKeys.requestLog(userId), 0, -1);
  return lines
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
  const seen = pairs(
    await redis.zrange(redisKeys.users(), 0, maxListedUsers - 1, { rev: true, withScores: true }),
  );
  const userIds = seen.map(([userId]) => userId);
  const keysOf = (userId: string) =>
    period === 'month'
      ? [redisKeys.usageMonth(userId, periodsAt(now).month)]
      : range.days.map((day) => redisKeys.usageDay(userId, day));
  const [plans, hashes] = await Promise.all([
    userIds.length ? redis.hmget(redisKeys.userPlans(), ...userIds) : null,
    Promise.all(
      userIds.map((userId) =>
        Promise.all(keysOf(userId).map((key) => redis.hmget(key, ...metrics))),
      ),
    ),
  ]);
  const users = seen.map(([userId, lastSeen], index) => {
    const counts = zeroCounts();
    for (const hash of hashes[index] ?? []) addCounts(counts, hash);
    const plan = plans?.[userId];
    return {
      userId,
      plan: plan === null || plan === undefined ? null : String(plan),
      lastSeenAt: toIso(lastSeen),
      micro: counts.micro,
      totals: toTotals(counts),
    };
  });
  return {
    period: { start: toIso(range.start), end: toIso(range.end) },
    users: users
      .sort((a, b) => b.micro - a.micro || b.totals.requests - a.totals.requests)
      .map(({ micro: _micro, ...user }) => user),
  };
}

/** The plan a user was last seen on, or null for a user who never made a request. */
export async function findUserPlan(redis: UsageRedis, userId: string): Promise<string | null> {
  const plan = await redis.hget(redisKeys.userPlans(), userId);
  return plan === null || plan === undefined ? null : String(plan);
}

/** Every limit the plan has, with what is used of it now; limits the plan lacks are omitted. */
export async function getLimits(
  redis: UsageRedis,
  stores: RateWindowStores,
  request: { userId: string; plan: Plan; planName: string; now: number },
): Promise<{ userId: string; plan: string; limits: Record<string, LimitView> }> {
  const { userId, plan, planName, now } = request;
  const periods = periodsAt(now);
  const readWindow = (window: RateWindow, limit: number | undefined) =>
    limit === undefined ? undefined : stores.limiterFor(window, limit).getRemaining(userId);
  const [minute, day, leases, dayUsage, monthUsage] = await Promise.all([
    readWindow('minute', plan.requestsPerMinute),
    readWindow('day', plan.requestsPerDay),
    plan.concurrentRequests === undefined
      ? undefined
      : redis.zrange(redisKeys.leases(userId), `(${now}`, '+inf', {
          byScore: true,
          withScores: true,
        }),
    redis.hmget(redisKeys.usageDay(userId, periods.day), 'tokens', 'micro'),
    redis.hmget(redisKeys.usageMonth(userId, periods.month), 'tokens', 'micro'),
  ]);

  const limits: Record<string, LimitView> = {};
  if (plan.requestsPerMinute !== undefined && minute)
    limits.requestsPerMinute = rateView(plan.requestsPerMinute, minute);
  if (plan.requestsPerDay !== undefined && day)
    limits.requestsPerDay = rateView(plan.requestsPerDay, day);
  if (plan.concurrentRequests !== undefined) {
    const held = pairs(leases ?? []);
    limits.concurrentRequests = view(plan.concurrentRequests, held.length, held[0]?.[1] ?? now);
  }
  if (plan.tokensPerDay !== undefined)
    limits.tokensPerDay = view(plan.tokensPerDay, readCount(dayUsage?.tokens), periods.dayEndsAt);
  if (plan.tokensPerMonth !== undefined) {
    const used = readCount(monthUsage?.tokens);
    limits.tokensPerMonth = view(plan.tokensPerMonth, used, periods.monthEndsAt);
  }
  if (plan.spendPerDayUsd !== undefined)
    limits.spendPerDayUsd = spendView(plan.spendPerDayUsd, dayUsage?.micro, periods.dayEndsAt);
  if (plan.spendPerMonthUsd !== undefined) {
    const used = monthUsage?.micro;
    limits.spendPerMonthUsd = spendView(plan.spendPerMonthUsd, used, periods.monthEndsAt);
  }
  return { userId, plan: planName, limits };
}

function rateView(limit: number, window: { remaining: number; reset: number }): LimitView {
  const remaining = Math.min(limit, Math.max(0, window.remaining));
  return view(limit, limit - remaining, window.reset);
}

function view(limit: number, used: number, resetAt: number): LimitView {
  return { limit, used, remaining: Math.max(0, limit - used), resetAt: toIso(resetAt) };
}

/** Dollars are subtracted in micro-dollars so that remaining has no float noise. */
function spendView(limitUsd: number, usedMicro: unknown, resetAt: number): LimitView {
  const used = readCount(usedMicro);
  const limit = Math.round(limitUsd * 1e6);
  return {
    limit: limitUsd,
    used: microUsdToUsd(used),
    remaining: microUsdToUsd(Math.max(0, limit - used)),
    resetAt: toIso(resetAt),
  };
}

function zeroCounts(): Counts {
  return { requests: 0, input: 0, output: 0, micro: 0 };
}

function readCount(value: unknown): number {
  const count = Number(value ?? 0);
  return Number.isFinite(count) ? count : 0;
}

function addCounts(into: Counts, hash: Record<string, unknown> | null | undefined): Counts {
  for (const metric of metrics) into[metric] += readCount(hash?.[metric]);
  return into;
}

/** Fields are `m:<model>:<metric>`; model ids may hold `/` and `:`, metrics hold neither. */
function addModelCounts(
  models: Map<string, Counts>,
  hash: Record<string, unknown> | null | undefined,
) {
  for (const [field, value] of Object.entries(hash ?? {})) {
    const split = field.lastIndexOf(':');
    const metric = field.slice(split + 1);
    if (!field.startsWith(modelPrefix) || split <= modelPrefix.length || !isMetric(metric))
      continue;
    const model = field.slice(modelPrefix.length, split);
    const counts = models.get(model) ?? zeroCounts();
    counts[metric] += readCount(value);
    models.set(model, counts);
  }
}

function isMetric(value: string): value is Metric {
  return (metrics as readonly string[]).includes(value);
}

function toTotals(counts: Counts): UsageTotals {
  return {
    requests: counts.requests,
    inputTokens: counts.input,
    outputTokens: counts.output,
    costUsd: microUsdToUsd(counts.micro),
  };
}

/** `[member, score, member, score, ...]` as pairs; members may come back deserialized. */
function pairs(flat: unknown[]): [string, number][] {
  const result: [string, number][] = [];
  for (let index = 0; index + 1 < flat.length; index += 2)
    result.push([String(flat[index]), Number(flat[index + 1])]);
  return result;
}

/** The client parses JSON replies itself; a raw string is parsed here. Bad lines are skipped. */
function parseLogEntry(line: unknown): RequestLogEntry | undefined {
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

function toIso(time: number): string {
  return new Date(time).toISOString();
}
