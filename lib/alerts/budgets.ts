import type { Periods } from '@/lib/limits/periods';

/**
 * The budget limits alerts watch, and where their usage is counted (the day or month usage hash,
 * the `tokens` or `micro` field). When lib/limits/limit-table.ts lands this derives from it.
 */
export const budgetLimits = {
  tokensPerDay: { period: 'day', field: 'tokens', unit: 'tokens', scale: 1 },
  tokensPerMonth: { period: 'month', field: 'tokens', unit: 'tokens', scale: 1 },
  spendPerDayUsd: { period: 'day', field: 'micro', unit: 'micro', scale: 1_000_000 },
  spendPerMonthUsd: { period: 'month', field: 'micro', unit: 'micro', scale: 1_000_000 },
} as const satisfies Record<
  string,
  {
    period: 'day' | 'month';
    field: 'tokens' | 'micro';
    unit: 'tokens' | 'micro';
    /** Config value to stored unit (dollars to micro-dollars). */
    scale: number;
  }
>;

export type BudgetLimitName = keyof typeof budgetLimits;

export const budgetLimitNames = Object.keys(budgetLimits) as BudgetLimitName[];

/** The period a budget counts in: its name, its key (`YYYY-MM-DD` or `YYYY-MM`), its bounds. */
export interface AlertPeriod {
  kind: 'day' | 'month';
  key: string;
  /** Epoch ms. */
  start: number;
  end: number;
}

export function alertPeriodOf(kind: 'day' | 'month', periods: Periods): AlertPeriod {
  if (kind === 'day') {
    return {
      kind,
      key: periods.day,
      start: periods.dayEndsAt - 86_400_000,
      end: periods.dayEndsAt,
    };
  }
  return {
    kind,
    key: periods.month,
    start: Date.parse(`${periods.month}-01T00:00:00Z`),
    end: periods.monthEndsAt,
  };
}
