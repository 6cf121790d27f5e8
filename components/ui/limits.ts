import { isLimitName, type LimitName, limitNames, limitTable } from '@/lib/limits/limit-table';
import type { LimitsReport, LimitView } from '@/lib/usage/limits';
import { formatTokens, formatUsd } from './format';

export type { LimitsReport, LimitView };

/** The budgets a person cares most about first: money, then tokens, the longer period first. */
export const budgetLimitNames: LimitName[] = limitNames
  .filter((name) => limitTable[name].kind === 'budget')
  .sort(
    (a, b) =>
      Number(limitTable[b].unit === 'micro') - Number(limitTable[a].unit === 'micro') ||
      Number(limitTable[b].period === 'month') - Number(limitTable[a].period === 'month'),
  );

export function labelOfLimit(name: string): string {
  return isLimitName(name) ? limitTable[name].label : name;
}

/** A limit's amount in its own unit: dollars for spend, plain counts otherwise. */
export function formatLimitAmount(name: string, amount: number): string {
  return isLimitName(name) && limitTable[name].unit === 'micro'
    ? formatUsd(amount)
    : formatTokens(amount);
}

/** What follows an amount: " tokens", " requests", nothing for dollars. */
export function unitSuffixOfLimit(name: string): string {
  if (!isLimitName(name)) return '';
  const { unit } = limitTable[name];
  return unit === 'micro' ? '' : ` ${unit}`;
}
