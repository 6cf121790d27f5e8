import type { LimitView } from '@/lib/usage/limits';
import { formatTokens, formatUsd } from './format';

export type { LimitView };

/** What `GET /api/limits` answers. */
export interface LimitsReport {
  userId: string;
  plan: string;
  limits: Record<string, LimitView>;
}

const labels: Record<string, string> = {
  requestsPerMinute: 'Requests this minute',
  requestsPerDay: 'Requests today',
  concurrentRequests: 'Requests in flight',
  tokensPerDay: 'Tokens today',
  tokensPerMonth: 'Tokens this month',
  spendPerDayUsd: 'Spend today',
  spendPerMonthUsd: 'Spend this month',
};

/** The budgets a person cares most about first: money, then tokens, the longer period first. */
export const budgetLimitNames = [
  'spendPerMonthUsd',
  'spendPerDayUsd',
  'tokensPerMonth',
  'tokensPerDay',
];

export function labelOfLimit(name: string): string {
  return labels[name] ?? name;
}

/** A limit's amount in its own unit: dollars for spend, plain counts otherwise. */
export function formatLimitAmount(name: string, amount: number): string {
  return name.startsWith('spend') ? formatUsd(amount) : formatTokens(amount);
}
