import type { ApiKeyRecord } from '@/lib/auth/api-keys';
import type { Identity } from '@/lib/auth/identity';
import type { LimitView } from '@/lib/usage/limits';
import type { UsageReport, UsageRequest, UserUsage } from '@/lib/usage/queries';
import type { UsagePeriod } from '@/lib/usage/usage-periods';

/** The shapes the dashboard reads, as the public endpoints serve them. */
export type { ApiKeyRecord, LimitView, UsagePeriod, UsageReport, UsageRequest, UserUsage };

export type SessionInfo = Pick<Identity, 'userId' | 'plan' | 'kind' | 'admin'>;

export interface LimitsReport {
  userId: string;
  plan: string;
  limits: Record<string, LimitView>;
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

/** A failed call to the gateway: the OpenAI error body's code and message, or a network failure. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

async function toApiError(response: Response): Promise<ApiError> {
  const body: unknown = await response.json().catch(() => null);
  const error =
    typeof body === 'object' && body !== null && 'error' in body
      ? (body.error as { message?: unknown; code?: unknown })
      : undefined;
  return new ApiError(
    response.status,
    typeof error?.code === 'string' ? error.code : `http_${response.status}`,
    typeof error?.message === 'string' ? error.message : `The server answered ${response.status}.`,
  );
}

/** Same-origin JSON call with the session cookie; throws an `ApiError` for anything but 2xx. */
export async function requestJson<T>(url: string, init: RequestInit = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, {
      ...init,
      credentials: 'same-origin',
      cache: 'no-store',
      headers: init.body ? { 'content-type': 'application/json', ...init.headers } : init.headers,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'network_error', 'Tollgate cannot be reached. Check your connection.');
  }
  if (!response.ok) throw await toApiError(response);
  return (await response.json()) as T;
}

/** A sentence for the screen; never the raw body. */
export function describeError(error: unknown): string {
  if (!(error instanceof ApiError)) return 'Something went wrong while loading this.';
  switch (error.code) {
    case 'store_unavailable':
      return 'The usage store (Redis) is unreachable, so usage cannot be read right now.';
    case 'unauthorized':
    case 'invalid_api_key':
      return 'Your session has ended (its API key may have been revoked). Reload the page to continue as a guest, or sign in again.';
    case 'forbidden':
      return 'Only administrators can see this.';
    case 'network_error':
      return error.message;
    default:
      return error.status >= 500
        ? `The server failed (${error.status}): ${error.message}`
        : error.message;
  }
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
