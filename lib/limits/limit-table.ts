import { z } from 'zod';

// Limits as data: every place that names a limit (the plan schema, the admission script's
// arguments, the `x-ratelimit-*` headers, `/api/limits`, denial messages, the UI) reads this
// table, so a new limit is one entry here.

export type LimitName =
  | 'requestsPerMinute'
  | 'requestsPerDay'
  | 'concurrentRequests'
  | 'tokensPerDay'
  | 'tokensPerMonth'
  | 'spendPerDayUsd'
  | 'spendPerMonthUsd';

/** rate: a sliding window of requests; concurrency: leases in flight; budget: usage per period. */
export type LimitKind = 'rate' | 'concurrency' | 'budget';
/** What the limit counts. A `micro` limit is written in US dollars in the config. */
export type LimitUnit = 'requests' | 'tokens' | 'micro';
export type LimitPeriod = 'minute' | 'day' | 'month';

export interface LimitSpec {
  kind: LimitKind;
  unit: LimitUnit;
  /** The window or calendar period; none for concurrency. */
  period?: LimitPeriod;
  /** What the UI calls it. */
  label: string;
  /** What a denial calls it: "Your <noun> is used up". */
  noun: string;
}

export const limitTable: Readonly<Record<LimitName, Readonly<LimitSpec>>> = {
  requestsPerMinute: {
    kind: 'rate',
    unit: 'requests',
    period: 'minute',
    label: 'Requests this minute',
    noun: 'request-rate limit per minute',
  },
  requestsPerDay: {
    kind: 'rate',
    unit: 'requests',
    period: 'day',
    label: 'Requests today',
    noun: 'request-rate limit per day',
  },
  concurrentRequests: {
    kind: 'concurrency',
    unit: 'requests',
    label: 'Requests in flight',
    noun: 'limit of requests in flight',
  },
  tokensPerDay: {
    kind: 'budget',
    unit: 'tokens',
    period: 'day',
    label: 'Tokens today',
    noun: 'daily token budget',
  },
  tokensPerMonth: {
    kind: 'budget',
    unit: 'tokens',
    period: 'month',
    label: 'Tokens this month',
    noun: 'monthly token budget',
  },
  spendPerDayUsd: {
    kind: 'budget',
    unit: 'micro',
    period: 'day',
    label: 'Spend today',
    noun: 'daily spending budget',
  },
  spendPerMonthUsd: {
    kind: 'budget',
    unit: 'micro',
    period: 'month',
    label: 'Spend this month',
    noun: 'monthly spending budget',
  },
};

/** Every limit name, in the table's order (rates, concurrency, budgets). */
export const limitNames = Object.keys(limitTable) as LimitName[];

export function isLimitName(name: string): name is LimitName {
  return Object.hasOwn(limitTable, name);
}

export function limitsOfKind(kind: LimitKind): LimitName[] {
  return limitNames.filter((name) => limitTable[name].kind === kind);
}

/** The config's number in the limit's unit of account: dollars become integer micro-dollars. */
export function limitAmount(name: LimitName, value: number): number {
  return limitTable[name].unit === 'micro' ? Math.round(value * 1e6) : value;
}

/** The usage-hash field a budget counts (`tokens` or `micro`, see lib/limits/keys.ts). */
export function budgetField(name: LimitName): 'tokens' | 'micro' {
  return limitTable[name].unit === 'micro' ? 'micro' : 'tokens';
}

const positiveInt = z.number().int().positive();
const schemaOfUnit = {
  requests: positiveInt,
  tokens: positiveInt,
  micro: z.number().positive(),
} satisfies Record<LimitUnit, z.ZodNumber>;

type LimitFields = { [Name in LimitName]: z.ZodOptional<z.ZodNumber> };

/** The zod shape of every limit: optional, a positive integer (dollars: positive number). */
export const limitFields = Object.fromEntries(
  limitNames.map((name) => [name, schemaOfUnit[limitTable[name].unit].optional()]),
) as LimitFields;

/** Whether a plan's (or a key's) limits mark `name` soft: it warns instead of refusing. */
export function isSoft(limits: { soft?: readonly LimitName[] }, name: LimitName): boolean {
  return limits.soft?.includes(name) === true;
}
