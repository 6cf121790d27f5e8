import { budgetField, type LimitName, limitsOfKind, limitTable } from '@/lib/limits/limit-table';
import type { Periods } from '@/lib/limits/periods';

/** Every limit a ledger's alerts may watch: the budgets of lib/limits/limit-table.ts. */
export type BudgetLimitName = LimitName;

/** The budget limits, in the table's order: alerts watch these and no other. */
export const budgetLimitNames: BudgetLimitName[] = limitsOfKind('budget');

/** Where a budget's usage is counted: the day or month usage hash, its `tokens` or `micro` field. */
export interface BudgetSpec {
  period: 'day' | 'month';
  field: 'tokens' | 'micro';
  unit: 'tokens' | 'micro';
}

/** A budget as the fire script reads it, from the limit table. */
export function budgetSpecOf(name: BudgetLimitName): BudgetSpec {
  const { period } = limitTable[name];
  if (period !== 'day' && period !== 'month') {
    throw new Error(`${name} is not a budget of a day or a month`);
  }
  const field = budgetField(name);
  return { period, field, unit: field };
}

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
