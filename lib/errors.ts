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
  budget_exceeded: { status: 402, type: 'insufficient_quota' },
  forbidden: { status: 403, type: 'permission_error' },
  model_not_found: { status: 404, type: 'invalid_request_error' },
  not_found: { status: 404, type: 'not_found_error' },
  payload_too_large: { status: 413, type: 'invalid_request_error' },
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
  cause?: unknown;
}

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly type: string;
  readonly param: string | null;
  readonly retryable: boolean;
  readonly retryAfterSeconds: number | undefined;
  readonly upstreamStatus: number | undefined;
  readonly headers: HeadersInit | undefined;

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
  }

  toJSON() {
    return {
      error: { message: this.message, type: this.type, code: this.code, param: this.param },
    };
  }
}

interface ProviderFailure {
  status: number | undefined;
  retryable: boolean;
  retryAfterSeconds: number | undefined;
}

/**
 * A provider's failure as the AI SDK reports it: an APICallError, or an AI Gateway error (which
 * carries the same `statusCode` and `isRetryable`, and whose classes `ai` does not export).
 */
function asProviderFailure(error: unknown): ProviderFailure | undefined {
  if (APICallError.isInstance(error)) {
    const retryAfter = Number(error.responseHeaders?.['retry-after']);
    return {
      status: error.statusCode,
      retryable: error.isRetryable,
      retryAfterSeconds: Number.isFinite(retryAfter) ? retryAfter : undefined,
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
    return { status: error.statusCode, retryable: error.isRetryable, retryAfterSeconds: undefined };
  }
  return undefined;
}

/** Funnel for anything thrown: known errors pass through, the rest become a bare 500. */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  const failure = asProviderFailure(error);
  if (failure) {
    // The provider's own message may echo request details; the client gets the status only.
    return new GatewayError(
      'upstream_error',
      failure.status
        ? `The provider answered with HTTP ${failure.status}.`
        : 'The provider could not be reached.',
      {
        retryable: failure.retryable,
        retryAfterSeconds: failure.retryAfterSeconds,
        upstreamStatus: failure.status,
        cause: error,
      },
    );
  }
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
  return Response.json(errorBody(gatewayError), {
    status: gatewayError.status,
    headers: responseHeaders,
  });
}
