import { APICallError } from '@ai-sdk/provider';

/**
 * The one error type of the gateway. Every failure a client can see is a `GatewayError` with a
 * code from this closed union; `toResponse()` is the only place a code becomes an HTTP reply.
 */

const errorKinds = {
  invalid_json: { status: 400, type: 'invalid_request_error' },
  invalid_request: { status: 400, type: 'invalid_request_error' },
  unauthorized: { status: 401, type: 'authentication_error' },
  invalid_api_key: { status: 401, type: 'authentication_error' },
  key_expired: { status: 401, type: 'authentication_error' },
  budget_exceeded: { status: 402, type: 'insufficient_quota' },
  forbidden: { status: 403, type: 'permission_error' },
  model_not_found: { status: 404, type: 'invalid_request_error' },
  not_found: { status: 404, type: 'not_found_error' },
  payload_too_large: { status: 413, type: 'invalid_request_error' },
  unprocessable_entity: { status: 422, type: 'invalid_request_error' },
  rate_limited: { status: 429, type: 'rate_limit_error' },
  concurrency_limited: { status: 429, type: 'rate_limit_error' },
  internal_error: { status: 500, type: 'api_error' },
  upstream_error: { status: 502, type: 'api_error' },
  no_provider_available: { status: 503, type: 'api_error' },
  store_unavailable: { status: 503, type: 'api_error' },
  upstream_timeout: { status: 504, type: 'api_error' },
} as const satisfies Record<string, { status: number; type: string }>;

export type ErrorCode = keyof typeof errorKinds;

export interface GatewayErrorOptions {
  /** The request field at fault, for 400s. */
  param?: string | null;
  /** Whether another target may succeed where this one failed. Default: false. */
  retryable?: boolean;
  /** Seconds a client should wait before retrying; becomes `Retry-After`. */
  retryAfterSeconds?: number;
  /** The HTTP status a provider answered with, when this wraps a provider's failure. */
  upstreamStatus?: number;
  /** Extra response headers (rate-limit headers on a denial). */
  headers?: HeadersInit;
  /**
   * Whether a client should send the same request again (`x-should-retry`). Default: yes for
   * 408, 409, 429 and 502-504, no otherwise.
   */
  shouldRetry?: boolean;
  cause?: unknown;
}

const retriedStatuses = new Set([408, 409, 429, 502, 503, 504]);

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly type: string;
  readonly param: string | null;
  readonly retryable: boolean;
  readonly retryAfterSeconds: number | undefined;
  readonly upstreamStatus: number | undefined;
  readonly headers: HeadersInit | undefined;
  readonly shouldRetry: boolean;

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.status = errorKinds[code].status;
    this.type = errorKinds[code].type;
    this.param = options.param ?? null;
    this.retryable = options.retryable ?? false;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.upstreamStatus = options.upstreamStatus;
    this.headers = options.headers;
    this.shouldRetry = options.shouldRetry ?? retriedStatuses.has(this.status);
  }

  toJSON() {
    return {
      error: { message: this.message, type: this.type, code: this.code, param: this.param },
    };
  }
}

/** A provider's failure: its HTTP status (none when it could not be reached) and what it said. */
export interface ProviderFailure {
  status: number | undefined;
  retryable: boolean;
  retryAfterSeconds: number | undefined;
  /** The provider's error body as text, when it sent one. */
  body?: string | undefined;
}

/** Statuses at which another target (or a later try) may succeed. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** `Retry-After` (seconds or an HTTP date) or `retry-after-ms`, in seconds. */
export function retryAfterSecondsOf(
  read: (name: string) => string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  const milliseconds = Number(read('retry-after-ms') ?? Number.NaN);
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return milliseconds / 1000;
  const value = read('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds : undefined;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, (date - now) / 1000) : undefined;
}

/**
 * A provider's failure as the AI SDK reports it: an APICallError, or an AI Gateway error (which
 * carries the same `statusCode` and `isRetryable`, and whose classes `ai` does not export).
 */
function asProviderFailure(error: unknown): ProviderFailure | undefined {
  if (APICallError.isInstance(error)) {
    const headers = error.responseHeaders ?? {};
    return {
      status: error.statusCode,
      retryable: error.isRetryable,
      retryAfterSeconds: retryAfterSecondsOf((name) => headers[name]),
      body: error.responseBody,
    };
  }
  if (
    typeof error === 'object' &&
    error !== null &&
    'isRetryable' in error &&
    typeof error.isRetryable === 'boolean' &&
    'statusCode' in error &&
    typeof error.statusCode === 'number'
  ) {
    const message = 'message' in error && typeof error.message === 'string' ? error.message : '';
    return {
      status: error.statusCode,
      retryable: error.isRetryable,
      retryAfterSeconds: undefined,
      body: JSON.stringify({ error: { message } }),
    };
  }
  return undefined;
}

// A provider's refusal of the request itself reaches the client with the provider's status.
const refusalCodes: Partial<Record<number, ErrorCode>> = {
  400: 'invalid_request',
  404: 'not_found',
  413: 'payload_too_large',
  422: 'unprocessable_entity',
};

/** What the provider said, from the error bodies of the OpenAI and Anthropic protocols. */
function providerMessage(body: string | undefined): { message?: string; param?: string } {
  if (!body) return {};
  try {
    const parsed: unknown = JSON.parse(body);
    const error =
      typeof parsed === 'object' && parsed !== null && 'error' in parsed ? parsed.error : parsed;
    if (typeof error === 'string') return { message: error };
    if (typeof error !== 'object' || error === null) return {};
    const message = 'message' in error && typeof error.message === 'string' ? error.message : '';
    const param = 'param' in error && typeof error.param === 'string' ? error.param : undefined;
    return { message, param };
  } catch {
    return {};
  }
}

/** Takes out what must never reach a client: URLs (upstream hosts) and anything key-shaped. */
function withoutSecrets(message: string): string {
  return message
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, '[url]')
    .replace(/\b(bearer\s+)\S+/gi, '$1[redacted]')
    .replace(/\b(sk|pk|rk|key|vck)[-_][A-Za-z0-9_-]{6,}/g, '[redacted]')
    .slice(0, 1000);
}

/**
 * A provider's failure as the client should see it. A refusal of the request (400, 404, 413,
 * 422) keeps the provider's status and message, and says not to retry; a refusal of the
 * gateway's own credentials (401, 403) is the gateway's fault, a 502 that says not to retry;
 * everything else is a 502 the client may retry, with the provider's Retry-After.
 */
export function toProviderError(failure: ProviderFailure, cause?: unknown): GatewayError {
  const { status } = failure;
  const refusal = status === undefined ? undefined : refusalCodes[status];
  if (refusal) {
    const said = providerMessage(failure.body);
    const message = said.message ? withoutSecrets(said.message) : '';
    return new GatewayError(
      refusal,
      message || `The provider refused the request (HTTP ${status}).`,
      { param: said.param, upstreamStatus: status, shouldRetry: false, cause },
    );
  }
  if (status === 401 || status === 403) {
    return new GatewayError(
      'upstream_error',
      `The provider refused the gateway's credentials (HTTP ${status}).`,
      { upstreamStatus: status, shouldRetry: false, cause },
    );
  }
  if (status !== undefined && status >= 200 && status < 300) {
    return new GatewayError('upstream_error', "The provider's stream ended early.", {
      upstreamStatus: status,
      cause,
    });
  }
  return new GatewayError(
    'upstream_error',
    status ? `The provider answered with HTTP ${status}.` : 'The provider could not be reached.',
    {
      retryable: failure.retryable,
      retryAfterSeconds: failure.retryAfterSeconds,
      upstreamStatus: status,
      shouldRetry: failure.retryable,
      cause,
    },
  );
}

/** Funnel for anything thrown: known errors pass through, the rest become a bare 500. */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  // The AI SDK wraps what a download function (our refusal of image URLs) throws.
  if (error instanceof Error && error.cause instanceof GatewayError) return error.cause;
  const failure = asProviderFailure(error);
  if (failure) return toProviderError(failure, error);
  return new GatewayError('internal_error', 'The gateway hit an unexpected error.', {
    cause: error,
  });
}

/** An error body in some wire format; the default is OpenAI's (`GatewayError.toJSON`). */
export type ErrorBody = (error: GatewayError) => unknown;

export function toResponse(
  error: unknown,
  headers?: HeadersInit,
  errorBody: ErrorBody = (gatewayError) => gatewayError.toJSON(),
): Response {
  const gatewayError = toGatewayError(error);
  if (gatewayError.code === 'internal_error') {
    console.error('[tollgate] internal error', gatewayError.cause ?? gatewayError);
  }
  const responseHeaders = new Headers(headers);
  new Headers(gatewayError.headers).forEach((value, name) => {
    responseHeaders.set(name, value);
  });
  if (gatewayError.retryAfterSeconds !== undefined) {
    responseHeaders.set(
      'retry-after',
      String(Math.max(1, Math.ceil(gatewayError.retryAfterSeconds))),
    );
  }
  // The OpenAI, Anthropic and Stainless-generated clients obey this over their status rules.
  responseHeaders.set('x-should-retry', String(gatewayError.shouldRetry));
  return Response.json(errorBody(gatewayError), {
    status: gatewayError.status,
    headers: responseHeaders,
  });
}
