import { APICallError } from '@ai-sdk/provider';
import { describe, expect, it } from 'vitest';
import { GatewayError, toGatewayError, toResponse } from '@/lib/errors';

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
