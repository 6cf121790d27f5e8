import type { ApiKeyRecord } from '@/lib/auth/api-keys';
import type { UsageReport, UsageRequest, UserUsage } from '@/lib/usage/queries';
import type { UsagePeriod } from '@/lib/usage/usage-periods';

/** The shapes the dashboard reads, as the public endpoints serve them. */
export type { ApiKeyRecord, UsagePeriod, UsageReport, UsageRequest, UserUsage };

export interface UsersReport {
  period: { start: string; end: string };
  users: UserUsage[];
}

export interface CreatedApiKey extends ApiKeyRecord {
  /** The secret, returned once. */
  key: string;
}

export const periods = ['day', 'week', 'month'] as const satisfies readonly UsagePeriod[];

export function toPeriod(value: string | null): UsagePeriod {
  return periods.find((period) => period === value) ?? 'month';
}

export function usageUrl(period: UsagePeriod, userId: string | undefined): string {
  const query = new URLSearchParams({ period });
  if (userId) query.set('userId', userId);
  return `/api/usage?${query}`;
}

export function exportUrl(period: UsagePeriod, userId: string | undefined): string {
  const query = new URLSearchParams({ period });
  if (userId) query.set('userId', userId);
  return `/api/usage/export?${query}`;
}

/** The dashboard's own address for a period and, for an administrator, a user. */
export function dashboardUrl(period: UsagePeriod, userId?: string): string {
  const query = new URLSearchParams({ period });
  if (userId) query.set('userId', userId);
  return `/dashboard?${query}`;
}
