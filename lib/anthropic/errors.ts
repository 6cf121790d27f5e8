import type { GatewayError } from '@/lib/errors';

/** Anthropic's error types by HTTP status; a status it does not name is an `api_error`. */
const errorTypes: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  503: 'overloaded_error',
  504: 'timeout_error',
};

/** `{"type":"error","error":{"type":"rate_limit_error","message":…}}`, Anthropic's error body. */
export function anthropicErrorBody(error: GatewayError) {
  return {
    type: 'error',
    error: { type: errorTypes[error.status] ?? 'api_error', message: error.message },
  };
}

/** Where the Anthropic-compatible API lives: every answer under it, a 404 included, is in its shape. */
const anthropicPrefix = '/api/anthropic/';

/** The error body for a path: Anthropic's under `/api/anthropic/`, else the default (OpenAI's). */
export function errorBodyForPath(pathname: string) {
  return pathname.startsWith(anthropicPrefix) ? anthropicErrorBody : undefined;
}
