import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type OpenAIUpstream, startOpenAIUpstream } from '../doubles/openai-upstream';
import { startTestApp, type TestApp, testAdminToken } from '../support/app';

/**
 * A few thousand malformed requests, generated from a fixed seed (set FUZZ_SEED to explore
 * others), across every endpoint: bodies, headers, methods, paths, content types, image and
 * file parts. None may get a 5xx, every API 4xx is in the error shape, and nothing the gateway
 * keeps in Redis may change: usage, logs, reservations, leases, keys, teams and memberships,
 * conversations, alerts and their outbox, response-cache entries.
 */
const seed = Number(process.env.FUZZ_SEED ?? 20261201);
const requestCount = 3000;
const forbiddenUrl = inject('forbiddenUrl');

let upstream: OpenAIUpstream;
let app: TestApp;
let userKey: string;
let guestCookie: string;
/** The fuzz user's own conversation, which no junk request may touch. */
let conversationId: string;

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
      // The response cache is on, so junk Cache-Control headers reach a cache that holds entries.
      plans: { roomy: { cache: { maxAgeSeconds: 3600 } }, guest: {} },
      guests: { sessionsPerAddressPerDay: 100_000 },
    },
  });
  userKey = await app.createKey({ userId: 'fuzz-user', plan: 'roomy' });
  guestCookie = (await fetch(app.url)).headers.get('set-cookie')?.split(';')[0] ?? '';
  await seedState();
});

async function call(path: string, method: string, token: string, body?: unknown) {
  const response = await fetch(`${app.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok)
    throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

/** A team with the fuzz user in it, a conversation and a cached answer: state junk must not touch. */
async function seedState() {
  await call('/api/teams', 'POST', testAdminToken, {
    id: 'fuzz-team',
    name: 'Fuzz',
    plan: 'roomy',
  });
  await call('/api/teams/fuzz-team/members/fuzz-user', 'PUT', testAdminToken);
  const conversation = await call('/api/conversations', 'POST', userKey, { title: 'Kept' });
  conversationId = String(conversation.id);
  await call('/api/chat', 'POST', userKey, {
    model: 'demo/instant',
    messages: [{ role: 'user', content: 'cache me' }],
    stream: false,
  });
  // The answer is stored after the response: wait for it (and for the settlement).
  const client = createClient({ url: app.redis.url });
  await client.connect();
  try {
    const deadline = Date.now() + 10_000;
    while (
      (await client.keys('tg:cache:*')).length === 0 ||
      (await client.keys('tg:log:*')).length === 0
    ) {
      if (Date.now() > deadline) throw new Error('the seeded answer was never cached');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await client.quit();
  }
}
afterAll(async () => {
  await app?.stop();
  await upstream?.close();
});

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function createRandom(start: number) {
  let state = start >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  return { next, pick, chance: (p: number) => next() < p };
}
type Random = ReturnType<typeof createRandom>;

const protoNames = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];
// Up to 2,000 characters: a path with `//` gets Next's trailing-slash redirect, which echoes the
// URL in two headers, and a longer one overflows the client's 16 KiB header limit (a client
// limit, not a gateway answer).
const junkStrings = [
  '',
  ' ',
  '\u0000',
  '%ZZ',
  '\ud800',
  '🙂'.repeat(50),
  'x'.repeat(2000),
  '../..',
];
const junkValues = [null, 0, -1, 1.5, true, [], {}, 'x', [null], { __proto__: 1 }, 1e308];

/**
 * Sets a field as the body's own, `__proto__` included: assigning `__proto__` would set the
 * prototype instead (or nothing), and the field would never reach the wire.
 */
function setField(body: Record<string, unknown>, name: string, value: unknown) {
  Object.defineProperty(body, name, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

function imagePart(random: Random) {
  const url = random.pick([
    `${forbiddenUrl}/meta-data.png`,
    `${forbiddenUrl.replace('127.0.0.1', 'localhost')}/x.png`,
    'http://169.254.169.254/latest/meta-data/',
    'data:image/png;base64,!!!not-base64!!!',
    'data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=',
    'data:image/png;base64,',
    'javascript:alert(1)',
    'file:///etc/passwd',
    'ht!tp://bad url',
    ...junkStrings,
  ]);
  return random.pick([
    { type: 'image_url', image_url: { url } },
    { type: 'image_url', image_url: url },
    { type: 'image_url', image_url: { url, detail: random.pick(['low', 'ultra', 3]) } },
    { type: 'image_url' },
  ]);
}

function filePart(random: Random) {
  return {
    type: 'file',
    mediaType: random.pick(['image/png', 'image/svg+xml', 'application/pdf', '', 7]),
    url: random.pick([
      `${forbiddenUrl}/file.png`,
      'javascript:alert(1)',
      'file:///etc/passwd',
      'data:;base64,@@',
      ...junkStrings,
    ]),
  };
}

/** A change that makes a chat body invalid whatever else it holds: no request may reach a provider. */
const breakers: Array<(body: Record<string, unknown>, random: Random) => void> = [
  (body, random) => {
    body.messages = random.pick([
      null,
      'hi',
      3,
      {},
      [],
      [null],
      [{ role: 'wizard', content: 'x' }],
    ]);
  },
  (body, random) => {
    body.model = random.pick([...protoNames, 7, {}, [], '', 'no/such-model', 'demo/instant\u0000']);
  },
  (body, random) => {
    // Not null: Chat Completions takes `"stream": null` (as false).
    body.stream = random.pick(['yes', 1, {}]);
  },
  (body, random) => {
    body.temperature = random.pick([-1, 9, 'hot', []]);
  },
  (body, random) => {
    body.max_tokens = random.pick([-5, 0, 1.5, 'many']);
    body.maxOutputTokens = random.pick([-5, 0, 1.5, 'many']);
  },
  (body, random) => {
    body.messages = [{ role: 'user', content: random.pick([7, null, { text: 1 }, [{ type: 7 }]]) }];
  },
];

function chatBody(random: Random): Record<string, unknown> {
  const parts: unknown[] = [{ type: 'text', text: random.pick(['hi', ...junkStrings]) }];
  for (let index = 0; index < Math.floor(random.next() * 4); index++) {
    parts.push(random.chance(0.5) ? imagePart(random) : filePart(random));
  }
  const body: Record<string, unknown> = {
    model: random.pick(['demo/instant', 'test/priced']),
    messages: random.chance(0.5) ? [{ role: 'user', content: parts }] : [{ role: 'user', parts }],
  };
  if (random.chance(0.3)) setField(body, random.pick(protoNames), random.pick(junkValues));
  if (random.chance(0.2)) body.n = random.pick([2, 0, 'two']);
  if (random.chance(0.2)) body.tools = random.pick([{}, [{ type: 'function' }], 'all']);
  const count = 1 + Math.floor(random.next() * 2);
  for (let index = 0; index < count; index++) random.pick(breakers)(body, random);
  return body;
}

function otherBody(random: Random): unknown {
  return random.pick([
    { userId: random.pick([...protoNames, '', 'a b', 'x'.repeat(80), 7]), plan: 'roomy' },
    { userId: 'fuzz-new', plan: random.pick([...protoNames, 'no-such-plan', '', 5]) },
    { userId: 'fuzz-new', plan: 'roomy', extra: true },
    { apiKey: random.pick(['tg_fake_key_0123456789abcdefghij', '', 5, null, ...protoNames]) },
    { apiKey: 'x', __proto__: { admin: true } },
    ...junkValues,
  ]);
}

/** A Responses body (Codex, the Agents SDK), broken once or twice. */
function responsesBody(random: Random): Record<string, unknown> {
  const content: unknown[] = [{ type: 'input_text', text: random.pick(['hi', ...junkStrings]) }];
  if (random.chance(0.4)) {
    content.push({
      type: 'input_image',
      image_url: random.pick([
        `${forbiddenUrl}/x.png`,
        'data:image/png;base64,!!!',
        'file:///etc/passwd',
        ...junkStrings,
      ]),
    });
  }
  const body: Record<string, unknown> = {
    model: random.pick(['demo/instant', 'test/priced']),
    input: random.chance(0.3) ? 'hi' : [{ type: 'message', role: 'user', content }],
  };
  if (random.chance(0.3)) setField(body, random.pick(protoNames), random.pick(junkValues));
  const breakers = [
    () => {
      body.input = random.pick([
        null,
        3,
        {},
        [],
        [null],
        [{ type: 'message', role: 'wizard', content: 'x' }],
        [{ role: 'user', content: 7 }],
        [{ type: 'function_call', name: 'f' }],
        [{ type: 'function_call_output', call_id: 'nope', output: 'x' }],
      ]);
    },
    () => {
      body.model = random.pick([...protoNames, 7, '', 'no/such-model']);
    },
    () => {
      body.stream = random.pick(['yes', 1, {}]);
    },
    () => {
      body.temperature = random.pick([-1, 9, 'hot', []]);
    },
    () => {
      body.max_output_tokens = random.pick([-5, 0, 1.5, 'many']);
    },
    () => {
      body.previous_response_id = 'resp_123';
    },
    () => {
      body.tools = random.pick([{}, [{ type: 'function' }], 'all', [{ type: 'custom', name: 7 }]]);
    },
  ];
  const count = 1 + Math.floor(random.next() * 2);
  for (let index = 0; index < count; index++) random.pick(breakers)();
  return body;
}

/** An Anthropic Messages body (Claude Code, the SDKs), broken once or twice. */
function anthropicBody(random: Random): Record<string, unknown> {
  const blocks: unknown[] = [{ type: 'text', text: random.pick(['hi', ...junkStrings]) }];
  if (random.chance(0.4)) {
    blocks.push({
      type: 'image',
      source: random.pick([
        { type: 'url', url: `${forbiddenUrl}/x.png` },
        { type: 'base64', media_type: 'image/png', data: '' },
        { type: 'base64', media_type: 'not a type', data: 'AAAA' },
        { type: 'file', file_id: 'f' },
      ]),
    });
  }
  const body: Record<string, unknown> = {
    model: random.pick(['demo/instant', 'test/priced']),
    max_tokens: 64,
    messages: [{ role: 'user', content: random.chance(0.3) ? 'hi' : blocks }],
  };
  if (random.chance(0.3)) setField(body, random.pick(protoNames), random.pick(junkValues));
  const breakers = [
    () => {
      body.messages = random.pick([
        null,
        'hi',
        {},
        [],
        [null],
        [{ role: 'wizard', content: 'x' }],
        [{ role: 'user', content: [{ type: 'text', text: 7 }] }],
        [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'nope' }] }],
        [{ role: 'assistant', content: [{ type: 'tool_use', name: 'f' }] }],
      ]);
    },
    () => {
      body.model = random.pick([...protoNames, 7, '', 'no/such-model']);
    },
    () => {
      body.stream = random.pick(['yes', 1, null]);
    },
    () => {
      body.temperature = random.pick([-1, 1.5, 'hot', []]);
    },
    () => {
      body.max_tokens = random.pick([-5, 0, 1.5, 'many']);
    },
    () => {
      body.system = random.pick([7, [{ type: 'text' }], { text: 'x' }]);
    },
    () => {
      body.metadata = random.pick([{ user_id: 7 }, 'x', []]);
    },
  ];
  const count = 1 + Math.floor(random.next() * 2);
  for (let index = 0; index < count; index++) random.pick(breakers)();
  return body;
}

/** A conversation body with one field that makes it invalid (a valid one would create or change one). */
function conversationBody(random: Random): Record<string, unknown> {
  const body: Record<string, unknown> = random.chance(0.5) ? { title: 'A title' } : {};
  if (random.chance(0.3)) body.model = 'demo/instant';
  random.pick([
    () => {
      body.title = random.pick(['', ' ', 'x'.repeat(500), 7, null, [], {}]);
    },
    () => {
      body.systemPrompt = random.pick([7, [], {}, 'x'.repeat(100_000)]);
    },
    () => {
      body.model = random.pick(['', 7, {}, 'x'.repeat(300)]);
    },
    () => {
      body.metadata = random.pick([
        [],
        'x',
        { a: 7 },
        { '': 'x' },
        Object.fromEntries(Array.from({ length: 100 }, (_, index) => [`k${index}`, 'v'])),
      ]);
    },
    () => {
      setField(
        body,
        random.pick([...protoNames, 'messages', 'owner', 'id']),
        random.pick(junkValues),
      );
    },
  ])();
  return body;
}

/** The next message of a conversation, broken in one of the ways a client could break it. */
function messageBody(random: Random): Record<string, unknown> {
  const body: Record<string, unknown> = { content: 'hi' };
  if (random.chance(0.3)) body.stream = random.pick([true, false]);
  random.pick([
    () => {
      body.content = random.pick(['', ' ', 7, null, [], { text: 'hi' }]);
    },
    () => {
      body.regenerate = random.pick([true, 'yes', 1]);
    },
    () => {
      body.temperature = random.pick([-1, 9, 'hot', []]);
    },
    () => {
      body.maxOutputTokens = random.pick([-5, 0, 1.5, 'many']);
    },
    () => {
      body.model = random.pick([...protoNames, '', 7, 'no/such-model']);
    },
    () => {
      body.messages = [{ role: 'user', content: 'hi' }];
    },
  ])();
  return body;
}

function rawBody(random: Random, json: unknown): string | Uint8Array<ArrayBuffer> {
  const text = JSON.stringify(json);
  return random.pick([
    () => text,
    () => text,
    () => text.slice(0, Math.floor(text.length / 2)),
    // The last key wins in JSON.parse, so the repeated key ends on a value that is itself junk:
    // a repeat that repaired a broken body would make a valid request.
    () => `${text.slice(0, -1)},"model":"test/priced","model":"no/such-model"}`,
    () => '['.repeat(5000) + ']'.repeat(5000),
    () => '',
    () => 'null',
    () => '{"a":1}garbage',
    () => crypto.getRandomValues(new Uint8Array(64)),
    () => `{"messages":"${'x'.repeat(1_100_000)}"}`,
  ])();
}

type BodyKind = 'chat' | 'other' | 'conversation' | 'message' | 'responses' | 'anthropic';

const endpoints: Array<{ path: string; body?: BodyKind }> = [
  { path: '/api/chat', body: 'chat' },
  { path: '/api/v1/chat/completions', body: 'chat' },
  { path: '/api/v1/responses', body: 'responses' },
  { path: '/api/anthropic/v1/messages', body: 'anthropic' },
  { path: '/api/anthropic/v1/messages/count_tokens', body: 'anthropic' },
  { path: '/api/v1/models' },
  { path: '/api/models' },
  { path: '/api/usage' },
  { path: '/api/usage/users' },
  { path: '/api/usage/overview' },
  { path: '/api/usage/export' },
  { path: '/api/usage/records' },
  { path: '/api/count-tokens', body: 'chat' },
  { path: '/api/models/demo/instant' },
  { path: '/api/limits' },
  { path: '/api/keys', body: 'other' },
  { path: '/api/keys/key_doesnotexist' },
  { path: '/api/keys/key_doesnotexist/rotate', body: 'other' },
  { path: '/api/session', body: 'other' },
  { path: '/api/conversations', body: 'conversation' },
  { path: '/api/conversations/conv_x', body: 'conversation' },
  { path: '/api/conversations/conv_x/messages', body: 'message' },
  { path: '/api/conversations/conv_x/messages', body: 'chat' },
  { path: '/api/teams', body: 'other' },
  { path: '/api/teams/t1', body: 'other' },
  { path: '/api/teams/t1/members/u1' },
  { path: '/api/teams/fuzz-team/members/%ZZ' },
  { path: '/api/alerts' },
  { path: '/api/cron/alerts' },
  { path: '/api/usage?teamId=fuzz-team' },
  { path: '/api/usage?teamId=t1' },
  { path: '/api/health' },
  { path: '/api/no-such-endpoint' },
  { path: '/' },
  { path: '/dashboard' },
];

/** Percent-encodes a value; a lone surrogate, which cannot be encoded, goes in as a broken escape. */
function encodeLoosely(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return '%ED%A0';
  }
}

function generate(random: Random) {
  const endpoint = random.pick(endpoints);
  let path = endpoint.path;
  if (random.chance(0.15)) {
    path += random.pick([
      '/%ZZ',
      '%',
      '/%C0%AF',
      '/%00',
      '//',
      '/..',
      '/🙂',
      `/${'a'.repeat(3000)}`,
    ]);
  }
  if (random.chance(0.3)) {
    const value = encodeLoosely(random.pick([...protoNames, ...junkStrings, 'day', 'week']));
    const name = random.pick([
      'period',
      'userId',
      'model',
      '__proto__',
      'cursor',
      'limit',
      'tag',
      'from',
      'teamId',
    ]);
    path += `${path.includes('?') ? '&' : '?'}${name}=${value}&period=${value}`;
  }
  const method = random.pick([
    'GET',
    'POST',
    'POST',
    'POST',
    'PUT',
    'PATCH',
    'DELETE',
    'HEAD',
    'OPTIONS',
  ]);
  const headers: Record<string, string> = {};
  const credential = random.pick(['none', 'user', 'user', 'guest', 'junk', 'admin-read']);
  if (credential === 'user') headers.authorization = `Bearer ${userKey}`;
  // Signing the guest out is a valid request whatever else it carries, not junk.
  const signOut = method === 'DELETE' && endpoint.path === '/api/session';
  if (credential === 'guest' && !signOut) headers.cookie = guestCookie;
  if (credential === 'junk') {
    Object.assign(
      headers,
      random.pick([
        { authorization: 'Bearer' },
        { authorization: 'Basic Zm9vOmJhcg==' },
        { authorization: 'Bearer tg_not_a_real_key_0123456789abcdef' },
        { 'x-api-key': random.pick(protoNames) },
        { cookie: 'tollgate_session=garbage.sig' },
        { cookie: 'tollgate_session=eyJ1c2VySWQiOiJhZG1pbiIsInBsYW4iOiJhZG1pbiJ9.AAAA' },
        { 'x-tollgate-user': 'admin', 'x-tollgate-admin': '1' },
      ]),
    );
  }
  // The admin token only where a request cannot change state: reads (the cron sweep finds no
  // alert due), and changes to a key or a team that does not exist.
  const missing = ['/api/keys/', '/api/teams/t1'].some((prefix) =>
    endpoint.path.startsWith(prefix),
  );
  if (credential === 'admin-read' && (method === 'GET' || missing)) {
    headers.authorization = `Bearer ${testAdminToken}`;
  }
  if (random.chance(0.7)) {
    headers['content-type'] = random.pick([
      'application/json',
      'application/json; charset=utf-16',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'image/png',
      '',
    ]);
  }
  // Tags as header values fetch can send (ASCII only).
  if (random.chance(0.2))
    headers['x-tollgate-tags'] = random.pick([
      '',
      ',,,',
      'Feature:Chat',
      'a,'.repeat(20),
      'x'.repeat(2000),
      '../..',
      '%ZZ',
      '"quoted"',
      'ok:tag',
      'a:b:c',
      'feature:',
      ':x',
      ' spaced , tags ',
      'x,'.repeat(1000),
    ]);
  if (random.chance(0.2))
    headers['cache-control'] = random.pick([
      '',
      'no-cache',
      'max-age=-1',
      'max-age=abc',
      'max-age=99999999999999999999999',
      'max-age="3600"',
      'max-age=',
      'max-age=0, max-age=5, no-store',
      'only-if-cached',
      '=,=,=',
      'x'.repeat(2000),
    ]);
  if (random.chance(0.3)) headers.origin = random.pick(['http://evil.example', 'null', app.url]);
  if (random.chance(0.2))
    headers['sec-fetch-site'] = random.pick(['cross-site', 'same-site', 'none']);
  if (random.chance(0.2))
    headers['x-forwarded-for'] = random.pick(['', 'junk', '1.2.3.4, 5.6.7.8', '::1']);
  let body: string | Uint8Array<ArrayBuffer> | undefined;
  if (method !== 'GET' && method !== 'HEAD' && (endpoint.body || random.chance(0.3))) {
    const json = {
      chat: chatBody,
      other: otherBody,
      conversation: conversationBody,
      message: messageBody,
      responses: responsesBody,
      anthropic: anthropicBody,
    }[endpoint.body ?? 'other'](random);
    body = rawBody(random, json);
  }
  return { method, path, headers, body };
}

/** Keys a junk request may legitimately write: a rate window counts every request admitted. */
const volatileKeys = [/^tg:ratelimit:/];

/** What must not change: every key the gateway keeps in Redis, with its value and type. */
async function snapshotState(): Promise<Record<string, unknown>> {
  const client = createClient({ url: app.redis.url });
  await client.connect();
  try {
    const state: Record<string, unknown> = {};
    for (const key of (await client.keys('tg:*')).sort()) {
      if (volatileKeys.some((pattern) => pattern.test(key))) continue;
      const type = await client.type(key);
      if (type === 'hash') state[key] = await client.hGetAll(key);
      else if (type === 'list') state[key] = await client.lRange(key, 0, -1);
      else if (type === 'zset') state[key] = await client.zRangeWithScores(key, 0, -1);
      else if (type === 'set') state[key] = (await client.sMembers(key)).sort();
      else state[key] = await client.get(key);
    }
    return state;
  } finally {
    await client.quit();
  }
}

describe('fuzzing every endpoint with malformed requests', () => {
  it(`${requestCount} generated requests (seed ${seed}): no 5xx, the error shape on every API 4xx, nothing in Redis changed`, async () => {
    const before = await snapshotState();
    const seeded = [
      'tg:teams',
      'tg:team-members',
      `tg:conversation:${conversationId}`,
      'tg:conversations:fuzz-user',
      'tg:cache-index',
    ];
    for (const key of seeded) expect(before).toHaveProperty([key]);
    expect(Object.keys(before).some((key) => key.startsWith('tg:cache:'))).toBe(true);
    const random = createRandom(seed);
    const planned = Array.from({ length: requestCount }, () => generate(random));
    const problems: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < planned.length) {
        const { method, path, headers, body } = planned[next++] as ReturnType<typeof generate>;
        const label = `${method} ${path.slice(0, 80)} ${JSON.stringify(headers).slice(0, 120)}`;
        let response: Response;
        try {
          response = await fetch(`${app.url}${path}`, {
            method,
            headers,
            body,
            redirect: 'manual',
            signal: AbortSignal.timeout(15_000),
          });
        } catch (error) {
          problems.push(`${label}: no answer (${(error as Error).message})`);
          continue;
        }
        const text = await response.text();
        if (response.status >= 500)
          problems.push(`${label}: ${response.status} ${text.slice(0, 200)}`);
        const api = path.startsWith('/api');
        if (api && response.status >= 400 && method !== 'HEAD') {
          let shape = false;
          try {
            const reply = JSON.parse(text) as { type?: unknown; error: Record<string, unknown> };
            const { error } = reply;
            shape = path.startsWith('/api/anthropic/')
              ? // Anthropic's own error shape, which Claude Code and the SDKs read.
                reply.type === 'error' &&
                typeof error.type === 'string' &&
                typeof error.message === 'string'
              : typeof error.message === 'string' &&
                typeof error.type === 'string' &&
                typeof error.code === 'string' &&
                'param' in error;
          } catch {}
          if (!shape)
            problems.push(
              `${label}: ${response.status} not in the error shape: ${text.slice(0, 120)}`,
            );
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    expect(problems.slice(0, 20)).toEqual([]);
    expect(upstream.requests.map(({ path, body }) => ({ path, body }))).toEqual([]);
    expect(await snapshotState()).toEqual(before);
  }, 180_000);
});
