import { APICallError } from '@ai-sdk/provider';
import { describe, expect, it } from 'vitest';
import {
  GatewayError,
  retryAfterSecondsOf,
  toGatewayError,
  toProviderError,
  toResponse,
} from '@/lib/errors';

describe('toResponse', () => {
  it('writes the OpenAI error body with the status of the code', async () => {
    const response = toResponse(
      new GatewayError('invalid_request', 'messages: required', { param: 'messages' }),
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: {
        message: 'messages: required',
        type: 'invalid_request_error',
        code: 'invalid_request',
        param: 'messages',
      },
    });
  });

  it('adds Retry-After in whole seconds, at least 1, and keeps extra headers', () => {
    const response = toResponse(
      new GatewayError('rate_limited', 'slow down', {
        retryAfterSeconds: 0.2,
        headers: { 'x-ratelimit-remaining-requests': '0' },
      }),
      { 'x-request-id': 'abc' },
    );
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(response.headers.get('x-request-id')).toBe('abc');
  });

  it.each([
    ['budget_exceeded', 402],
    ['forbidden', 403],
    ['model_not_found', 404],
    ['payload_too_large', 413],
    ['upstream_error', 502],
    ['store_unavailable', 503],
    ['upstream_timeout', 504],
  ] as const)('maps %s to HTTP %i', (code, status) => {
    expect(toResponse(new GatewayError(code, 'x')).status).toBe(status);
  });

  it('turns an unknown throw into a 500 that reveals nothing', async () => {
    const original = console.error;
    console.error = () => {};
    try {
      const response = toResponse(new Error('secret sk-live-123 at /srv/app.ts:12'));
      expect(response.status).toBe(500);
      const text = await response.text();
      expect(text).not.toContain('sk-live');
      expect(JSON.parse(text).error.code).toBe('internal_error');
    } finally {
      console.error = original;
    }
  });
});

describe('toGatewayError', () => {
  it('keeps a provider failure retryable when the provider says so, without its body', () => {
    const error = toGatewayError(
      new APICallError({
        message: 'overloaded',
        url: 'http://upstream/v1/chat/completions',
        requestBodyValues: { apiKey: 'sk-secret' },
        statusCode: 503,
        responseBody: '{"error":"sk-secret"}',
        isRetryable: true,
      }),
    );
    expect(error.code).toBe('upstream_error');
    expect(error.status).toBe(502);
    expect(error.retryable).toBe(true);
    expect(error.message).not.toContain('sk-secret');
  });

  it('passes a GatewayError through unchanged', () => {
    const original = new GatewayError('forbidden', 'no');
    expect(toGatewayError(original)).toBe(original);
  });
});

describe('provider failures as the client sees them', () => {
  const failure = (status: number | undefined, body?: string) =>
    toProviderError({
      status,
      retryable: status === undefined || status >= 500,
      retryAfterSeconds: undefined,
      body,
    });

  it.each([
    [400, 'invalid_request'],
    [404, 'not_found'],
    [413, 'payload_too_large'],
    [422, 'unprocessable_entity'],
  ] as const)(
    'keeps a %i with the provider message and says not to retry',
    async (status, code) => {
      const error = failure(
        status,
        JSON.stringify({ error: { message: 'Bad value for top_p.', param: 'top_p' } }),
      );
      expect(error).toMatchObject({
        status,
        code,
        param: 'top_p',
        message: 'Bad value for top_p.',
      });
      const response = toResponse(error);
      expect(response.status).toBe(status);
      expect(response.headers.get('x-should-retry')).toBe('false');
    },
  );

  it("reads Anthropic's error body too, and removes URLs and keys from the message", () => {
    const error = failure(
      400,
      JSON.stringify({
        type: 'error',
        error: {
          type: 'invalid_request_error',
          message: 'key sk-ant-abcdefgh at https://10.0.0.5/v1 is bad',
        },
      }),
    );
    expect(error.message).toBe('key [redacted] at [url] is bad');
  });

  it.each([401, 403])(
    "turns a %i (the gateway's credentials) into a 502 not to be retried",
    (status) => {
      const response = toResponse(failure(status));
      expect(response.status).toBe(502);
      expect(response.headers.get('x-should-retry')).toBe('false');
    },
  );

  it('lets a client retry a 5xx and a lost connection', () => {
    expect(toResponse(failure(503)).headers.get('x-should-retry')).toBe('true');
    expect(failure(undefined)).toMatchObject({ status: 502, retryable: true });
  });

  it('reads Retry-After as seconds, an HTTP date or retry-after-ms', () => {
    const now = Date.UTC(2026, 0, 1);
    const headers = (values: Record<string, string>) => (name: string) => values[name];
    expect(retryAfterSecondsOf(headers({ 'retry-after': '3' }), now)).toBe(3);
    expect(retryAfterSecondsOf(headers({ 'retry-after-ms': '1500' }), now)).toBe(1.5);
    expect(
      retryAfterSecondsOf(headers({ 'retry-after': new Date(now + 4000).toUTCString() }), now),
    ).toBe(4);
    expect(retryAfterSecondsOf(headers({}), now)).toBeUndefined();
  });

  it('marks our own refusals for clients: a budget never, a rate limit yes', () => {
    expect(toResponse(new GatewayError('budget_exceeded', 'x')).headers.get('x-should-retry')).toBe(
      'false',
    );
    expect(toResponse(new GatewayError('rate_limited', 'x')).headers.get('x-should-retry')).toBe(
      'true',
    );
  });
});
