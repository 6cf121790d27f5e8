import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { GatewayError } from '@/lib/errors';
import type { handle as Handle } from '@/lib/http/door';
import { findDuplicateKey } from '@/lib/http/read-json';
import { StoreFailure } from '@/lib/store/redis';

const adminToken = 'door-unit-test-admin-token-0123456789';
let handle: typeof Handle;

beforeAll(async () => {
  // The door reads the process's config; no Redis is configured, so only the admin token and
  // anonymous callers get through, which is all these tests need.
  process.env.ADMIN_TOKEN = adminToken;
  process.env.GATEWAY_CONFIG = JSON.stringify({ maxBodyBytes: 1024 });
  ({ handle } = await import('@/lib/http/door'));
});

const app = 'http://tollgate.test';
const admin = { authorization: `Bearer ${adminToken}` };
const json = { 'content-type': 'application/json' };

async function errorOf(response: Response) {
  const body = (await response.json()) as { error: Record<string, unknown> };
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  return { status: response.status, ...body.error };
}

const echo = () =>
  handle({ access: 'public', body: z.strictObject({ name: z.string() }) }, ({ body }) =>
    Response.json(body),
  );

describe('the door', () => {
  it('asks user routes for an identity and admin routes for an administrator', async () => {
    const route = handle({ access: 'admin' }, ({ identity }) => Response.json(identity));
    expect(await errorOf(await route(new Request(`${app}/x`)))).toMatchObject({
      status: 401,
      code: 'unauthorized',
    });
    const passed = await route(new Request(`${app}/x`, { headers: admin }));
    expect(passed.status).toBe(200);
    expect((await passed.json()).userId).toBe('admin');
    expect(passed.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a cookie-borne write from another origin or site, or not sent as JSON', async () => {
    const route = echo();
    const body = JSON.stringify({ name: 'a' });
    const send = (headers: Record<string, string>) =>
      route(new Request(`${app}/x`, { method: 'POST', headers, body }));

    expect(await errorOf(await send({ ...json, origin: 'https://evil.test' }))).toMatchObject({
      status: 403,
      code: 'forbidden',
    });
    expect(await errorOf(await send({ ...json, 'sec-fetch-site': 'same-site' }))).toMatchObject({
      status: 403,
    });
    expect(await errorOf(await send({ 'content-type': 'text/plain' }))).toMatchObject({
      status: 400,
      param: 'content-type',
    });
    expect((await send({ ...json, origin: app, 'sec-fetch-site': 'same-origin' })).status).toBe(
      200,
    );
    // A request an API key signs is not a forgery, whatever its origin.
    expect((await send({ ...admin, origin: 'https://evil.test' })).status).toBe(200);
  });

  it('stops reading a streamed body at the limit and answers 413 without waiting for its end', async () => {
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(512).fill(32));
      },
    });
    const response = await echo()(
      new Request(`${app}/x`, {
        method: 'POST',
        headers: json,
        body: endless,
        duplex: 'half',
      } as RequestInit),
    );
    expect(await errorOf(response)).toMatchObject({ status: 413, code: 'payload_too_large' });
    expect(pulled).toBeLessThan(10);
  });

  it('refuses a body that names a key twice, so nobody picks which one wins', async () => {
    const route = echo();
    const response = await route(
      new Request(`${app}/x`, { method: 'POST', headers: json, body: '{"name":"a","name":"b"}' }),
    );
    expect(await errorOf(response)).toMatchObject({ status: 400, code: 'invalid_json' });
    expect(findDuplicateKey('{"a":{"b":1},"c":[{"b":2},{"b":3}],"d":"\\"b\\""}')).toBeUndefined();
    expect(findDuplicateKey('{"a":[1,{"x":1,"y":"x","x":2}]}')).toBe('x');
    expect(findDuplicateKey('{"\\u0061":1,"a":2}')).toBe('a');
  });

  it('parses the query and names the bad parameter', async () => {
    const route = handle(
      { access: 'public', query: z.object({ period: z.enum(['day', 'month']) }) },
      ({ query }) => Response.json(query),
    );
    expect(await (await route(new Request(`${app}/x?period=day`))).json()).toEqual({
      period: 'day',
    });
    expect(await errorOf(await route(new Request(`${app}/x?period=year`)))).toMatchObject({
      status: 400,
      param: 'period',
    });
  });

  it('turns a store failure into a 503, a bug into a 500, and keeps a gateway error', async () => {
    const failing = (error: unknown) =>
      handle({ access: 'public' }, () => {
        throw error;
      })(new Request(`${app}/x`));
    expect(await errorOf(await failing(new StoreFailure(new Error('down'))))).toMatchObject({
      status: 503,
      code: 'store_unavailable',
    });
    expect(await errorOf(await failing(new TypeError('a bug')))).toMatchObject({
      status: 500,
      code: 'internal_error',
    });
    expect(
      await errorOf(await failing(new GatewayError('not_found', 'No such thing.'))),
    ).toMatchObject({ status: 404, code: 'not_found' });
  });
});

describe('methods a route does not serve', () => {
  it("answers 405 in the error shape, or in the route's own shape (Anthropic's)", async () => {
    const { otherMethods, otherMethodsIn } = await import('@/lib/http/door');
    const { anthropicErrorBody, errorBodyForPath } = await import('@/lib/anthropic/errors');
    const openAI = otherMethods.PUT(new Request(`${app}/api/v1/responses`, { method: 'PUT' }));
    expect(await errorOf(openAI)).toMatchObject({ status: 405, code: 'invalid_request' });
    const anthropic = otherMethodsIn(anthropicErrorBody).GET(
      new Request(`${app}/api/anthropic/v1/messages`),
    );
    expect(anthropic.status).toBe(405);
    expect(await anthropic.json()).toEqual({
      type: 'error',
      error: {
        type: 'invalid_request_error',
        message: 'This endpoint does not answer GET.',
      },
    });
    expect(errorBodyForPath('/api/anthropic/v1/nope')).toBe(anthropicErrorBody);
    expect(errorBodyForPath('/api/v1/nope')).toBeUndefined();
  });
});
