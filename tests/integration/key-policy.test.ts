import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from '@upstash/redis';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerIds, redisKeys } from '@/lib/limits/keys';
import { type OpenAIUpstream, startOpenAIUpstream } from '../doubles/openai-upstream';
import { projectRoot, startTestApp, type TestApp, testAdminToken } from '../support/app';
import { settledTotals } from '../support/usage';

let upstream: OpenAIUpstream;
let failing: OpenAIUpstream;
let app: TestApp;
let redis: Redis;

beforeAll(async () => {
  upstream = await startOpenAIUpstream();
  failing = await startOpenAIUpstream({ status: 500 });
  app = await startTestApp({
    gatewayConfig: {
      providers: {
        upstream: { type: 'openai-compatible', baseURL: upstream.baseURL, apiKey: 'upstream-key' },
        failing: { type: 'openai-compatible', baseURL: failing.baseURL, apiKey: 'failing-key' },
      },
      plans: { unlimited: {} },
      defaultPlan: 'unlimited',
      aliases: { 'gpt-alias': 'other/echo' },
      models: {
        'openai/echo': { targets: [{ provider: 'upstream', model: 'gpt-test' }] },
        'other/echo': { targets: [{ provider: 'upstream', model: 'gpt-test' }] },
        // Falls back to a model outside openai/*, which a key restricted to it must never get.
        'openai/flaky': {
          targets: [{ provider: 'failing', model: 'gpt-test' }],
          fallbacks: ['other/echo'],
        },
      },
    },
  });
  redis = new Redis({ url: app.bridge.url, token: app.redisToken, enableAutoPipelining: false });
  // Each route's first request loads its code: done here, so a 2-second expiry is spent on
  // the requests under test, not on a cold start.
  const warm = await app.createKey({ userId: 'warm-up-user' });
  const cookie = await signIn(warm);
  await Promise.all([
    complete(warm),
    usageStatus(warm),
    fetch(`${app.url}/api/session`, { headers: { cookie } }),
    chatWithCookie(cookie, 'openai/echo'),
  ]);
});
afterAll(async () => {
  await app?.stop();
  await upstream?.close();
  await failing?.close();
});

const admin = { authorization: `Bearer ${testAdminToken}`, 'content-type': 'application/json' };

interface CreatedKey {
  id: string;
  key: string;
  userId: string;
  [field: string]: unknown;
}

function postKey(fields: Record<string, unknown>) {
  return fetch(`${app.url}/api/keys`, {
    method: 'POST',
    headers: admin,
    body: JSON.stringify(fields),
  });
}

async function createKey(fields: Record<string, unknown>): Promise<CreatedKey> {
  const response = await postKey(fields);
  if (response.status !== 201) throw new Error(`key creation failed: ${await response.text()}`);
  return (await response.json()) as CreatedKey;
}

async function listKeys(): Promise<Array<Record<string, unknown>>> {
  const response = await fetch(`${app.url}/api/keys`, { headers: admin });
  return ((await response.json()) as { keys: Array<Record<string, unknown>> }).keys;
}

async function rotate(id: string, body: unknown) {
  return fetch(`${app.url}/api/keys/${id}/rotate`, {
    method: 'POST',
    headers: admin,
    body: JSON.stringify(body),
  });
}

/** A non-streaming chat completion on /api/v1: its status and error code, if any. */
async function complete(apiKey: string, model = 'openai/echo') {
  const response = await fetch(`${app.url}/api/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }] }),
  });
  const body = (await response.json()) as { error?: { code: string; param: string | null } };
  return {
    status: response.status,
    code: body.error?.code,
    param: body.error?.param,
    model: response.headers.get('x-tollgate-model'),
  };
}

/** A non-chat endpoint, which looks the key up in Redis every time. */
async function usageStatus(apiKey: string) {
  const response = await fetch(`${app.url}/api/usage`, {
    headers: { authorization: `Bearer ${apiKey}` },
  });
  return { status: response.status, code: ((await response.json()) as ErrorReply).error?.code };
}

interface ErrorReply {
  error?: { code?: string; type?: string; param?: string | null };
}

async function signIn(apiKey: string): Promise<string> {
  const response = await fetch(`${app.url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: app.url },
    body: JSON.stringify({ apiKey }),
  });
  expect(response.status).toBe(200);
  return response.headers.get('set-cookie')?.split(';')[0] ?? '';
}

function chatWithCookie(cookie: string, model: string) {
  return fetch(`${app.url}/api/chat`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json', origin: app.url },
    body: JSON.stringify({ model, stream: false, messages: [{ role: 'user', content: 'hi' }] }),
  });
}

/** Waits on the clock until `at` has passed: the expiry itself is what these tests exercise. */
async function waitUntilPast(at: number) {
  const wait = at - Date.now() + 50;
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

describe('key expiry', () => {
  it('a key with a 2-second expiry works, then gets 401 key_expired (its session too)', async () => {
    const expiresAt = Date.now() + 2_000;
    const created = await createKey({
      userId: 'expiring-user',
      expiresAt: new Date(expiresAt).toISOString(),
    });
    expect(created.expiresAt).toBe(new Date(expiresAt).toISOString());
    const cookie = await signIn(created.key);
    // The chat route caches the key's record: the expiry in it must hold all the same.
    expect(await complete(created.key)).toMatchObject({ status: 200 });
    expect((await usageStatus(created.key)).status).toBe(200);
    const session = await fetch(`${app.url}/api/session`, { headers: { cookie } });
    expect(session.status).toBe(200);

    await waitUntilPast(expiresAt);
    expect(await complete(created.key)).toMatchObject({ status: 401, code: 'key_expired' });
    expect(await usageStatus(created.key)).toEqual({ status: 401, code: 'key_expired' });
    const expiredSession = await fetch(`${app.url}/api/session`, { headers: { cookie } });
    expect(expiredSession.status).toBe(401);
    expect(((await expiredSession.json()) as ErrorReply).error?.code).toBe('key_expired');
    const chat = await chatWithCookie(cookie, 'openai/echo');
    expect(chat.status).toBe(401);
    expect(((await chat.json()) as ErrorReply).error?.code).toBe('key_expired');
    const signInAgain = await fetch(`${app.url}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: app.url },
      body: JSON.stringify({ apiKey: created.key }),
    });
    expect(signInAgain.status).toBe(401);

    const listed = (await listKeys()).find((key) => key.id === created.id);
    expect(listed).toMatchObject({ expired: true, lastUsedAt: expect.any(String) });
  });
});

describe('key rotation', () => {
  it("a rotated key's old secret works during the grace period and gets 401 after it, and usage history stays on the key id", async () => {
    const created = await createKey({ userId: 'rotating-user', name: 'rotating' });
    const old = created.key;
    // Used before the rotation: the chat route's cache holds the old secret's record.
    expect((await complete(old)).status).toBe(200);

    const rotation = await rotate(created.id, { graceSeconds: 3 });
    const rotatedAt = Date.now();
    expect(rotation.status).toBe(200);
    const rotated = (await rotation.json()) as CreatedKey & { previousSecretExpiresAt: string };
    expect(rotated).toMatchObject({ id: created.id, userId: 'rotating-user', name: 'rotating' });
    expect(rotated.key).not.toBe(old);
    const graceEnd = Date.parse(rotated.previousSecretExpiresAt);
    expect(graceEnd).toBeGreaterThan(rotatedAt);

    expect((await complete(rotated.key)).status).toBe(200);
    expect((await complete(old)).status).toBe(200);
    expect((await usageStatus(old)).status).toBe(200);

    await waitUntilPast(graceEnd);
    expect(await complete(old)).toMatchObject({ status: 401, code: 'invalid_api_key' });
    expect(await usageStatus(old)).toEqual({ status: 401, code: 'invalid_api_key' });
    expect((await complete(rotated.key)).status).toBe(200);

    // One key, one user: what both secrets used is the same history.
    const totals = await settledTotals(app, rotated.key, 4);
    expect(totals.requests).toBe(4);
    const keys = (await listKeys()).filter((key) => key.userId === 'rotating-user');
    expect(keys).toEqual([
      expect.objectContaining({ id: created.id, rotatedAt: expect.any(String) }),
    ]);
    expect(JSON.stringify(keys)).not.toContain(rotated.key);
  });

  it('without a grace period the old secret stops at once, and revoking a key ends both secrets', async () => {
    const created = await createKey({ userId: 'rotate-now-user' });
    expect((await complete(created.key)).status).toBe(200);
    const now = (await (await rotate(created.id, {})).json()) as CreatedKey;
    expect(await complete(created.key)).toMatchObject({ status: 401, code: 'invalid_api_key' });
    expect((await complete(now.key)).status).toBe(200);

    const graced = (await (await rotate(created.id, { graceSeconds: 3600 })).json()) as CreatedKey;
    expect((await complete(now.key)).status).toBe(200);
    expect((await complete(graced.key)).status).toBe(200);
    const revoked = await fetch(`${app.url}/api/keys/${created.id}`, {
      method: 'DELETE',
      headers: admin,
    });
    expect(revoked.status).toBe(200);
    expect((await complete(now.key)).status).toBe(401);
    expect((await complete(graced.key)).status).toBe(401);
    expect((await usageStatus(now.key)).status).toBe(401);
    expect((await rotate(created.id, {})).status).toBe(404);
  });

  it('refuses a grace period outside 0..30 days, and changes nothing', async () => {
    const created = await createKey({ userId: 'rotate-bad-user' });
    for (const graceSeconds of [-1, 30 * 86_400 + 1, 1.5, '60']) {
      const response = await rotate(created.id, { graceSeconds });
      expect(response.status, String(graceSeconds)).toBe(400);
      expect(((await response.json()) as ErrorReply).error?.param).toBe('graceSeconds');
    }
    expect((await complete(created.key)).status).toBe(200);
  });
});

describe('allowed models', () => {
  let restricted: CreatedKey;
  beforeAll(async () => {
    restricted = await createKey({ userId: 'restricted-user', allowedModels: ['openai/*'] });
  });

  const forbiddenModel = 'other/echo';
  const requests: Array<[string, (model: string) => unknown]> = [
    [
      '/api/chat',
      (model) => ({ model, stream: false, messages: [{ role: 'user', content: 'hi' }] }),
    ],
    [
      '/api/v1/chat/completions',
      (model) => ({ model, messages: [{ role: 'user', content: 'hi' }] }),
    ],
    ['/api/v1/responses', (model) => ({ model, input: 'hi' })],
    [
      '/api/anthropic/v1/messages',
      (model) => ({ model, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
    ],
    [
      '/api/anthropic/v1/messages/count_tokens',
      (model) => ({ model, messages: [{ role: 'user', content: 'hi' }] }),
    ],
    ['/api/count-tokens', (model) => ({ model, text: 'hi' })],
  ];

  async function send(path: string, body: unknown, headers: Record<string, string>) {
    const response = await fetch(`${app.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as ErrorReply };
  }

  it('a key allowed openai/* gets 403 for another model, on every chat endpoint', async () => {
    const auth = { authorization: `Bearer ${restricted.key}` };
    for (const [path, body] of requests) {
      const refused = await send(path, body(forbiddenModel), auth);
      expect(refused.status, path).toBe(403);
      if (path.startsWith('/api/anthropic')) {
        expect(refused.body.error?.type, path).toBe('permission_error');
      } else {
        expect(refused.body.error, path).toMatchObject({ code: 'forbidden', param: 'model' });
      }
      // An alias is checked as the catalog model it names.
      expect((await send(path, body('gpt-alias'), auth)).status, `${path} alias`).toBe(403);
      expect((await send(path, body('openai/echo'), auth)).status, `${path} allowed`).toBe(200);
    }
  });

  it('a fallback outside the allowed models never serves the key', async () => {
    const open = await createKey({ userId: 'unrestricted-user' });
    expect(await complete(open.key, 'openai/flaky')).toMatchObject({
      status: 200,
      model: 'other/echo',
    });
    const refused = await complete(restricted.key, 'openai/flaky');
    expect(refused.status).toBe(502);
    expect(refused.model).not.toBe('other/echo');
  });

  it('a session signed in with the key has the same restriction', async () => {
    const cookie = await signIn(restricted.key);
    const headers = { cookie, origin: app.url };
    const [, body] = requests[0] as [string, (model: string) => unknown];
    const refused = await send('/api/chat', body(forbiddenModel), headers);
    expect(refused.status).toBe(403);
    expect((await send('/api/chat', body('openai/echo'), headers)).status).toBe(200);
  });

  it("a session signed in with a key counts against the key's own limits and its team, as the key does", async () => {
    const teamId = 'session-team';
    const team = await fetch(`${app.url}/api/teams`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ id: teamId, name: 'Session team', plan: 'unlimited' }),
    });
    expect(team.status).toBe(201);
    const limited = await createKey({
      userId: 'session-policy-user',
      teamId,
      limits: { requestsPerMinute: 2 },
    });
    const cookie = await signIn(limited.key);
    expect((await chatWithCookie(cookie, 'openai/echo')).status).toBe(200);
    expect((await chatWithCookie(cookie, 'openai/echo')).status).toBe(200);
    const refused = await chatWithCookie(cookie, 'openai/echo');
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as ErrorReply).error?.code).toBe('rate_limited');
    // The user's plan has no limit: another key of theirs, in a session too, is served.
    const open = await createKey({ userId: 'session-policy-user' });
    expect((await chatWithCookie(await signIn(open.key), 'openai/echo')).status).toBe(200);

    const day = new Date().toISOString().slice(0, 10);
    const requestsOf = async (ledgerId: string) =>
      Number((await redis.hget(redisKeys.usageDay(ledgerId, day), 'requests')) ?? 0);
    const deadline = Date.now() + 10_000;
    while ((await requestsOf(ledgerIds.team(teamId))) < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await requestsOf(ledgerIds.team(teamId))).toBe(2);
    expect(await requestsOf(ledgerIds.key(limited.id))).toBe(2);
  });

  it('GET /api/v1/models lists only the models the key may use', async () => {
    const client = new OpenAI({ baseURL: `${app.url}/api/v1`, apiKey: restricted.key });
    const ids = (await client.models.list()).data.map((model) => model.id);
    expect(ids.sort()).toEqual(['openai/echo', 'openai/flaky']);
    expect((await client.models.retrieve('openai/echo')).id).toBe('openai/echo');
    await expect(client.models.retrieve('other/echo')).rejects.toMatchObject({ status: 404 });
  });
});

describe('creating keys with a policy', () => {
  it('stores team, expiry, allowed models and limits, and lists them with the last use', async () => {
    await redis.hset('tg:teams', {
      'team-a': JSON.stringify({ id: 'team-a', name: 'A', plan: 'unlimited', createdAt: '' }),
    });
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    // A dollar budget on the key would refuse the unpriced other/echo (400): tokens instead.
    const created = await createKey({
      userId: 'policy-user',
      teamId: 'team-a',
      expiresAt,
      allowedModels: ['openai/*', 'other/echo'],
      limits: { requestsPerMinute: 10, tokensPerDay: 100_000 },
    });
    expect((await complete(created.key, 'other/echo')).status).toBe(200);
    const deadline = Date.now() + 10_000;
    let listed: Record<string, unknown> | undefined;
    do {
      listed = (await listKeys()).find((key) => key.id === created.id);
      if (listed?.lastUsedAt) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    } while (Date.now() < deadline);
    expect(listed).toEqual({
      id: created.id,
      userId: 'policy-user',
      plan: 'unlimited',
      name: "policy-user's key",
      createdAt: expect.any(String),
      teamId: 'team-a',
      expiresAt,
      allowedModels: ['openai/*', 'other/echo'],
      limits: { requestsPerMinute: 10, tokensPerDay: 100_000 },
      lastUsedAt: expect.any(String),
      expired: false,
    });
  });

  it('bad inputs are a 400 naming the field, and no key is created', async () => {
    const before = (await listKeys()).length;
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ expiresAt: new Date(Date.now() - 1000).toISOString() }, 'expiresAt'],
      [{ expiresAt: 'next week' }, 'expiresAt'],
      [{ allowedModels: ['open*ai/x'] }, 'allowedModels[0]'],
      [{ allowedModels: 'openai/*' }, 'allowedModels'],
      [{ teamId: 'no-such-team' }, 'teamId'],
      [{ limits: { requestsPerMinute: 0 } }, 'limits.requestsPerMinute'],
      [{ limits: { admin: true } }, 'limits'],
      [
        { limits: { alerts: { webhookUrl: 'https://hooks.example', secret: 'not-a-secret' } } },
        'limits.alerts.secret',
      ],
    ];
    for (const [fields, param] of cases) {
      const response = await postKey({ userId: 'bad-input-user', ...fields });
      expect(response.status, JSON.stringify(fields)).toBe(400);
      const { error } = (await response.json()) as ErrorReply;
      expect(error, JSON.stringify(fields)).toMatchObject({ code: 'invalid_request', param });
    }
    expect(await listKeys()).toHaveLength(before);
  });
});

describe('the keys CLI', () => {
  const run = (args: string[]) =>
    promisify(execFile)(process.execPath, ['scripts/keys.mjs', ...args, '--json'], {
      cwd: projectRoot,
      encoding: 'utf8',
      env: {
        NODE_ENV: 'production',
        PATH: process.env.PATH,
        TOLLGATE_URL: app.url,
        ADMIN_TOKEN: testAdminToken,
      },
    }).then(({ stdout }) => JSON.parse(stdout) as CreatedKey);

  it('creates a key with a policy and rotates it with a grace period', async () => {
    const expires = new Date(Date.now() + 86_400_000).toISOString();
    const created = await run([
      'create',
      '--user',
      'cli-user',
      '--expires',
      expires,
      '--models',
      'openai/*,other/echo',
      '--limits',
      '{"tokensPerDay":1000}',
    ]);
    expect(created).toMatchObject({
      userId: 'cli-user',
      expiresAt: expires,
      allowedModels: ['openai/*', 'other/echo'],
      limits: { tokensPerDay: 1000 },
    });
    const rotated = await run(['rotate', created.id, '--grace', '60']);
    expect(rotated.id).toBe(created.id);
    expect((await complete(created.key)).status).toBe(200);
    expect((await complete(rotated.key)).status).toBe(200);
  });
});
