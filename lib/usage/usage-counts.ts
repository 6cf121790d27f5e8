import { microUsdToUsd } from './cost';

// The settle script writes the counters as integers: tokens, and money in micro-dollars. They
// are summed as integers here and turned into dollars only in `toTotals`.

export interface UsageTotals {
  requests: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

/** What the response cache saved: hits (also counted in `requests`) and their cost avoided. */
export interface CacheSavings {
  cachedRequests: number;
  savedUsd: number;
}

/**
 * The counter fields of a usage hash, for a whole day or month and per model (`cached` and
 * `saved`, the response cache's hits and micro-dollars saved, are totals only).
 */
export const usageMetrics = ['requests', 'input', 'output', 'micro', 'cached', 'saved'] as const;
type Metric = (typeof usageMetrics)[number];
export type UsageCounts = Record<Metric, number>;

export function zeroCounts(): UsageCounts {
  return { requests: 0, input: 0, output: 0, micro: 0, cached: 0, saved: 0 };
}

/** Replies may be numbers (the client parses JSON) or strings; a missing field is zero. */
export function readCount(value: unknown): number {
  const count = Number(value ?? 0);
  return Number.isFinite(count) ? count : 0;
}

export function addCounts(
  into: UsageCounts,
  hash: Record<string, unknown> | null | undefined,
): UsageCounts {
  for (const metric of usageMetrics) into[metric] += readCount(hash?.[metric]);
  return into;
}

/**
 * A day hash's breakdowns (brief contract 3): `m:<model>:<metric>` and `t:<tag>:<metric>` on
 * every ledger, and on the deployment ledger also `u:<userId>:<metric>` and `g:<teamId>:<metric>`.
 */
export const breakdownPrefixes = { model: 'm:', tag: 't:', user: 'u:', team: 'g:' } as const;

/**
 * Sums a day hash's `<prefix><name>:<metric>` fields by name; names (model ids, tags) may hold
 * `/` and `:`, metrics hold neither, so a field splits at its last colon.
 */
export function addBreakdownCounts(
  prefix: string,
  into: Map<string, UsageCounts>,
  hash: Record<string, unknown> | null | undefined,
): void {
  for (const [field, value] of Object.entries(hash ?? {})) {
    const split = field.lastIndexOf(':');
    const metric = field.slice(split + 1);
    if (!field.startsWith(prefix) || split <= prefix.length || !isMetric(metric)) continue;
    const name = field.slice(prefix.length, split);
    const counts = into.get(name) ?? zeroCounts();
    counts[metric] += readCount(value);
    into.set(name, counts);
  }
}

/** Sums the `m:<model>:<metric>` fields by model. */
export function addModelCounts(
  models: Map<string, UsageCounts>,
  hash: Record<string, unknown> | null | undefined,
): void {
  addBreakdownCounts(breakdownPrefixes.model, models, hash);
}

/** A breakdown by cost, then requests, then name. */
export function rankByCost(counts: Map<string, UsageCounts>): [string, UsageCounts][] {
  return [...counts].sort(
    ([nameA, a], [nameB, b]) =>
      b.micro - a.micro || b.requests - a.requests || nameA.localeCompare(nameB),
  );
}

function isMetric(value: string): value is Metric {
  return (usageMetrics as readonly string[]).includes(value);
}

export function toTotals(counts: UsageCounts): UsageTotals {
  return {
    requests: counts.requests,
    inputTokens: counts.input,
    outputTokens: counts.output,
    costUsd: microUsdToUsd(counts.micro),
  };
}

export function toSavings(counts: UsageCounts): CacheSavings {
  return { cachedRequests: counts.cached, savedUsd: microUsdToUsd(counts.saved) };
}

export function asHash(reply: unknown): Record<string, unknown> | null {
  return typeof reply === 'object' && reply !== null && !Array.isArray(reply)
    ? (reply as Record<string, unknown>)
    : null;
}

/** `[member, score, member, score, ...]` as pairs; members may come back deserialized. */
export function scorePairs(flat: unknown[]): [string, number][] {
  const result: [string, number][] = [];
  for (let index = 0; index + 1 < flat.length; index += 2)
    result.push([String(flat[index]), Number(flat[index + 1])]);
  return result;
}
