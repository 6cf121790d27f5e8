import type { Identity } from '@/lib/auth/identity';

/** Who the browser is, as `GET /api/session` says. */
export type SessionInfo = Pick<Identity, 'userId' | 'plan' | 'kind' | 'admin'>;

/** A failed call to the gateway: the OpenAI error body's code and message, or a network failure. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** From `Retry-After`, on a 429. */
  readonly retryAfterSeconds: number | undefined;
  /** The request field the error names (`teamId`, `limits.tokensPerDay`), when it names one. */
  readonly param: string | undefined;

  constructor(
    status: number,
    code: string,
    message: string,
    retryAfterSeconds?: number,
    param?: string,
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
    this.param = param;
  }
}

/** Reads our error body (and `Retry-After`) from a non-2xx response. */
export async function toApiError(response: Response): Promise<ApiError> {
  const body: unknown = await response.json().catch(() => null);
  const error =
    typeof body === 'object' && body !== null && 'error' in body
      ? (body.error as { message?: unknown; code?: unknown; param?: unknown })
      : undefined;
  const retryAfter = Number(response.headers.get('retry-after'));
  return new ApiError(
    response.status,
    typeof error?.code === 'string' ? error.code : `http_${response.status}`,
    typeof error?.message === 'string' ? error.message : `The server answered ${response.status}.`,
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
    typeof error?.param === 'string' ? error.param : undefined,
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
