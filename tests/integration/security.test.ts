import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signSession } from '@/lib/auth/session';
import { type OpenAIUpstream, startOpenAIUpstream } from '../doubles/openai-upstream';
import { startTestApp, type TestApp, testAdminToken, testSessionSecret } from '../support/app';

let upstream: OpenAIUpstream;
let app: TestApp;
let userKey: string;
const forbiddenUrl = inject('forbiddenUrl');
const day = 86_400_000;

beforeAll(async () => {
  upstream = await startOpenAIUpstream();
  app = await startTestApp({
    gatewayConfig: {
      providers: { upstream: { type: 'openai-compatible', baseURL: upstream.baseURL } },
      models: {
        'test/priced': {
          targets: [{ provider: 'upstream', model: 'gpt-test' }],
          pricing: { inputPerMTok: 1, outputPerMTok: 2 },
        },
      },
      plans: { guest: { requestsPerMinute: 100 }, roomy: {} },
      guests: {
        sessionsPerAddressPerDay: 4,
        perAddress: { requestsPerMinute: 3 },
        shared: { requestsPerMinute: 6 },
      },
    },
  });
  userKey = await app.createKey({ userId: 'security-user', plan: 'roomy' });
});
afterAll(async () => {
  await app?.stop();
  await upstream?.close();
});

const json = { 'content-type': 'application/json' };
const bearer = (key: string) => ({ authorization: `Bearer ${key}`, ...json });
const hi = [{ role: 'user', content: 'hi' }];

async function expectError(response: Response, status: number | number[], code?: string) {
  const statuses = Array.isArray(status) ? status : [status];
  const body = (await response.json()) as { error: Record<string, unknown> };
  expect(statuses, JSON.stringify(body)).toContain(response.status);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  if (code) expect(body.error.code).toBe(code);
  return body.error;
}

function post(path: string, body: unknown, headers: Record<string, string>) {
  return fetch(`${app.url}${path}`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const cookieOf = (response: Response) => response.headers.get('set-cookie')?.split(';')[0];

async function keyCount() {
  const response = await fetch(`${app.url}/api/keys`, { headers: bearer(testAdminToken) });
  return ((await response.json()) as { keys: unknown[] }).keys.length;
}

/** A raw HTTP request, for what `fetch` refuses to send (TRACE). */
function rawRequest(method: string, path: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(app.url);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: hostname, port, path, method }, (response) => {
      let body = '';
      response.on('data', (chunk) => {
        body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

describe('bad input is a 4xx in the error shape, never a 500', () => {
  it('model ids named like Object.prototype members are unknown models on both chat routes', async () => {
    for (const model of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      for (const path of ['/api/chat', '/api/v1/chat/completions']) {
        const response = await post(path, { model, messages: hi, stream: false }, bearer(userKey));
        await expectError(response, [400, 404]);
      }
    }
  });

  it('a broken percent-encoding in the path and the TRACE method', async () => {
    await expectError(await fetch(`${app.url}/api/%ZZ`), 400);
    await expectError(
      await fetch(`${app.url}/api/keys/%ZZ`, { method: 'DELETE', headers: bearer(testAdminToken) }),
      400,
    );
    for (const path of ['/api/chat', '/api/health', '/']) {
      const { status, body } = await rawRequest('TRACE', path);
      expect(status, path).toBe(405);
      expect(JSON.parse(body).error.code).toBe('invalid_request');
    }
  });

  it('an /api/chat file part with a javascript: or file: URL', async () => {
    for (const url of ['javascript:alert(1)', 'file:///etc/passwd']) {
      const response = await post(
        '/api/chat',
        {
          model: 'demo/instant',
          stream: false,
          messages: [{ role: 'user', parts: [{ type: 'file', mediaType: 'image/png', url }] }],
        },
        bearer(userKey),
      );
      expect((await expectError(response, 400, 'invalid_request')).param).toBe(
        'messages[0].parts[0].url',
      );
    }
  });
});

describe('an oversized chunked body on a chat route', () => {
  it('is cut at the limit and answered 413 at once', async () => {
    for (const path of ['/api/chat', '/api/v1/chat/completions']) {
      const chunks = 20; // 20 x 64 KiB: 1.25 MiB, over the 1 MiB limit
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let index = 0; index < chunks; index++) {
            controller.enqueue(new Uint8Array(64 * 1024).fill(32));
          }
          controller.close();
        },
      });
      const response = await fetch(`${app.url}${path}`, {
        method: 'POST',
        headers: bearer(userKey),
        body,
        duplex: 'half',
        // Today's failure is a hang: fail in bounded time instead of at the test timeout.
        signal: AbortSignal.timeout(10_000),
      } as RequestInit);
      await expectError(response, 413, 'payload_too_large');
    }
  });
});

describe('cross-site request forgery', () => {
  it('a write with the admin session cookie from another origin or site is refused', async () => {
    const cookie = cookieOf(await post('/api/session', { apiKey: testAdminToken }, json)) ?? '';
    const before = await keyCount();
    // The auto-submitting enctype=text/plain form of the report, from another origin.
    const form = '{"userId":"attacker","plan":"admin","x":"=1"}';
    await expectError(
      await post('/api/keys', form, {
        cookie,
        'content-type': 'text/plain',
        origin: 'http://evil.example',
        'sec-fetch-site': 'cross-site',
      }),
      403,
      'forbidden',
    );
    // Another origin of the same site.
    await expectError(
      await post('/api/keys', form, {
        cookie,
        ...json,
        origin: 'http://other.127.0.0.1.example',
        'sec-fetch-site': 'same-site',
      }),
      403,
    );
    // Same origin, but not JSON: no form can send application/json without a preflight.
    await expectError(
      await post('/api/keys', form, { cookie, 'content-type': 'text/plain', origin: app.url }),
      400,
    );
    expect(await keyCount()).toBe(before);

    // The app's own page, as the browser sends it, still works.
    const own = await post(
      '/api/keys',
      { userId: 'csrf-own', plan: 'roomy' },
      { cookie, ...json, origin: app.url, 'sec-fetch-site': 'same-origin' },
    );
    expect(own.status).toBe(201);
    // A bearer-key request is not affected by where it comes from.
    const keyed = await post(
      '/api/keys',
      { userId: 'csrf-bearer', plan: 'roomy' },
      { ...bearer(testAdminToken), origin: 'http://evil.example' },
    );
    expect(keyed.status).toBe(201);
  });

  it('a sign-in form from another site signs nobody in, and a duplicate key is refused', async () => {
    const attackerKey = await app.createKey({ userId: 'csrf-attacker', plan: 'roomy' });
    const fromElsewhere = await post('/api/session', `{"apiKey":"${attackerKey}"}`, {
      'content-type': 'text/plain',
      origin: 'http://evil.example',
    });
    await expectError(fromElsewhere, 403);
    expect(fromElsewhere.headers.get('set-cookie')).toBeNull();

    const duplicate = await post(
      '/api/session',
      `{"apiKey":"${userKey}","apiKey":"${attackerKey}"}`,
      json,
    );
    await expectError(duplicate, 400, 'invalid_json');
    expect(duplicate.headers.get('set-cookie')).toBeNull();
  });
});

describe('guests', () => {
  const guestFrom = async (address: string) =>
    cookieOf(await fetch(`${app.url}/`, { headers: { 'x-forwarded-for': address } })) ?? '';
  const guestChat = (cookie: string, address: string, model = 'demo/instant') =>
    post(
      '/api/chat',
      { model, messages: hi, stream: false },
      { cookie, ...json, 'x-forwarded-for': `${address}, 10.0.0.1` },
    );

  it('one address starts a bounded number of guests a day', async () => {
    const cookies = [];
    for (let index = 0; index < 5; index++) cookies.push(await guestFrom('198.51.100.1'));
    expect(cookies.slice(0, 4).every((cookie) => cookie.startsWith('tollgate_session='))).toBe(
      true,
    );
    expect(cookies[4]).toBe('');
    expect(await guestFrom('198.51.100.2')).toMatch(/^tollgate_session=/);
  });

  it('new cookies do not reset the limits of an address, nor the budget all guests share', async () => {
    const address = '203.0.113.1';
    for (let index = 0; index < 3; index++) {
      const response = await guestChat(await guestFrom(address), address);
      expect(response.status).toBe(200);
    }
    const fourth = await guestChat(await guestFrom(address), address);
    await expectError(fourth, 429, 'rate_limited');
    expect(fourth.headers.get('retry-after')).toBeTruthy();

    // The refused request used none of the shared budget: three more from another address fit.
    for (let index = 0; index < 3; index++) {
      expect((await guestChat(await guestFrom('203.0.113.2'), '203.0.113.2')).status).toBe(200);
    }
    await expectError(await guestChat(await guestFrom('203.0.113.3'), '203.0.113.3'), 429);
  });

  it('guests use only the demo models, and their cookie does not open /api/v1', async () => {
    const cookie = await guestFrom('192.0.2.10');
    await expectError(await guestChat(cookie, '192.0.2.10', 'test/priced'), 403, 'forbidden');
    expect(upstream.requests).toHaveLength(0);
    await expectError(
      await post(
        '/api/v1/chat/completions',
        { model: 'demo/instant', messages: hi },
        {
          cookie,
          ...json,
        },
      ),
      401,
    );
    await expectError(await fetch(`${app.url}/api/v1/models`, { headers: { cookie } }), 401);
  });
});

describe('plans named like Object.prototype members', () => {
  it('are unknown plans: 400, and no key is created', async () => {
    const before = await keyCount();
    for (const plan of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const response = await post(
        '/api/keys',
        { userId: 'proto-user', plan },
        bearer(testAdminToken),
      );
      expect((await expectError(response, 400, 'invalid_request')).param).toBe('plan');
    }
    expect(await keyCount()).toBe(before);
  });
});

describe('session lifetime', () => {
  const cookieWith = async (issuedAt: number) =>
    `tollgate_session=${await signSession(
      { sessionId: crypto.randomUUID(), userId: 'guest_old', plan: 'guest', issuedAt },
      testSessionSecret,
    )}`;
  const whoIs = (cookie: string) => fetch(`${app.url}/api/session`, { headers: { cookie } });

  it('a cookie issued at 0, or unused for longer than 30 days, is no session', async () => {
    await expectError(await whoIs(await cookieWith(0)), 401);
    await expectError(await whoIs(await cookieWith(Date.now() - 31 * day)), 401);
    expect((await whoIs(await cookieWith(Date.now() - day))).status).toBe(200);
  });

  it('a session in use slides on: an older cookie comes back renewed', async () => {
    const response = await whoIs(await cookieWith(Date.now() - 2 * day));
    expect(response.status).toBe(200);
    expect(response.headers.get('set-cookie')).toMatch(/^tollgate_session=.*Max-Age=2592000/);
  });

  it('sign-out revokes the session: a kept copy of its cookie stops working, chat included', async () => {
    const cookie = cookieOf(await post('/api/session', { apiKey: userKey }, json)) ?? '';
    expect((await whoIs(cookie)).status).toBe(200);
    const signOut = await fetch(`${app.url}/api/session`, {
      method: 'DELETE',
      headers: { cookie },
    });
    expect(signOut.status).toBe(200);
    await expectError(await whoIs(cookie), 401);
    const chat = await post(
      '/api/chat',
      { model: 'demo/instant', messages: hi },
      { cookie, ...json },
    );
    await expectError(chat, 401);
  });
});

describe('pages', () => {
  it('the 404 page carries the nonce CSP, and its scripts the nonce', async () => {
    const response = await fetch(`${app.url}/no-such-page`);
    expect(response.status).toBe(404);
    const policy = response.headers.get('content-security-policy') ?? '';
    const nonce = /'nonce-([^']+)'/.exec(policy)?.[1];
    expect(nonce).toBeTruthy();
    const scripts = [...(await response.text()).matchAll(/<script\b[^>]*>/g)].map(([tag]) => tag);
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
  });
});

describe('a client abort', () => {
  it('is recorded as aborted and logs no uncaught exception', async () => {
    const controller = new AbortController();
    const response = await fetch(`${app.url}/api/chat`, {
      method: 'POST',
      headers: bearer(userKey),
      body: JSON.stringify({
        model: 'demo/chat',
        messages: [{ role: 'user', content: 'a story' }],
      }),
      signal: controller.signal,
    });
    const reader = response.body?.getReader();
    await reader?.read();
    controller.abort();
    await expect.poll(() => app.server.output(), { timeout: 10_000 }).toMatch(/"ending":"aborted"/);
    expect(app.server.output()).not.toMatch(/uncaughtException/);
  });
});

describe('URLs a client sends', () => {
  it('are never fetched by the gateway (the forbidden listener is checked at teardown)', async () => {
    // The literal address and a name that resolves to it (a check on the host name alone passes it).
    for (const base of [forbiddenUrl, forbiddenUrl.replace('127.0.0.1', 'localhost')]) {
      const image = `${base}/latest/meta-data/iam.png`;
      const openAIImage = {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'what is this?' },
              { type: 'image_url', image_url: { url: image } },
            ],
          },
        ],
      };
      for (const model of ['test/priced', 'demo/instant']) {
        const response = await post(
          '/api/v1/chat/completions',
          { model, ...openAIImage },
          bearer(userKey),
        );
        expect(response.status, `${model}: ${app.server.output().slice(-1500)}`).toBeLessThan(500);
      }
      const file = await post(
        '/api/chat',
        {
          model: 'demo/instant',
          stream: false,
          messages: [
            { role: 'user', parts: [{ type: 'file', mediaType: 'image/png', url: image }] },
          ],
        },
        bearer(userKey),
      );
      expect(file.status).toBeLessThan(500);
    }
  });
});
