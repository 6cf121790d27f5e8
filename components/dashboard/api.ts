import { ApiError } from '@/components/ui/api';
import type { ListedApiKey, ApiKeyRecord as StoredApiKeyRecord } from '@/lib/auth/api-keys';
import type { UsageOverview } from '@/lib/usage/overview';
import type { UsageRequest, UserUsage, UsageReport as UserUsageReport } from '@/lib/usage/queries';
import type { UsageTotals } from '@/lib/usage/usage-counts';
import type { UsagePeriod } from '@/lib/usage/usage-periods';

/** The shapes the dashboard reads, as the public endpoints serve them. */
export type { UsageOverview, UsagePeriod, UsageRequest, UsageTotals, UserUsage };

// The fields below come from endpoints and fields other parts of the gateway add (teams, tags,
// keys' policy, alerts); each is optional here so the page renders without them.

export interface TagUsage extends UsageTotals {
  tag: string;
}

/**
 * `/api/usage`, for a user or (`?teamId=`) a team. A team's report names the team instead of a
 * user and has no request log (the log is per user).
 */
export interface UsageReport extends Omit<UserUsageReport, 'byTag' | 'recent' | 'userId'> {
  userId?: string;
  teamId?: string;
  /** Absent from a deployment that does not count tags. */
  byTag?: TagUsage[];
  recent?: UsageRequest[];
}

/** A key as `GET /api/keys` lists it: its record and policy, with last use and expiry. */
export type ApiKeyRecord = StoredApiKeyRecord &
  Partial<Pick<ListedApiKey, 'lastUsedAt' | 'expired' | 'previousSecretExpiresAt'>>;

export interface TeamRecord {
  id: string;
  name: string;
  plan: string;
}

export interface TeamsReport {
  teams: TeamRecord[];
}

/** A fired spend alert, as `GET /api/alerts` lists them. */
export interface AlertRecord {
  id: string;
  /** ISO 8601 or epoch ms. */
  at: string | number;
  ledger: { kind: string; id: string };
  limit: string;
  /** Percent of the budget. */
  threshold: number;
  /** In `unit`: tokens, or micro-dollars for a spend budget. */
  used: number;
  limitValue: number;
  unit?: 'tokens' | 'micro';
  delivery?: { status: string; attempts: number };
}

export interface AlertsReport {
  alerts: AlertRecord[];
}

/** An endpoint this deployment does not serve (yet): its section is left out, not an error. */
export function isMissingEndpoint(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404;
}

/** A moment the API sent as ISO 8601 or epoch ms, as epoch ms; undefined when unreadable. */
export function toEpochMs(value: string | number | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  const time = typeof value === 'number' ? value : Date.parse(value);
  return Number.isFinite(time) ? time : undefined;
}

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

/** Whose usage a view shows: the caller (both undefined), a user, or a team. */
export interface UsageSubject {
  userId?: string;
  teamId?: string;
}

export function usageUrl(period: UsagePeriod, { userId, teamId }: UsageSubject = {}): string {
  const query = new URLSearchParams({ period });
  if (teamId) query.set('teamId', teamId);
  else if (userId) query.set('userId', userId);
  return `/api/usage?${query}`;
}

export function exportUrl(period: UsagePeriod, userId: string | undefined): string {
  const query = new URLSearchParams({ period });
  if (userId) query.set('userId', userId);
  return `/api/usage/export?${query}`;
}

/** The dashboard's own address for a period and, for an administrator, a user or a team. */
export function dashboardUrl(period: UsagePeriod, userId?: string, teamId?: string): string {
  const query = new URLSearchParams({ period });
  if (teamId) query.set('teamId', teamId);
  else if (userId) query.set('userId', userId);
  return `/dashboard?${query}`;
}
