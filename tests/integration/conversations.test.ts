import { Redis } from '@upstash/redis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { conversationKeys } from '@/lib/conversations/keys';
import { contentText, type OpenAIUpstream, startOpenAIUpstream } from '../doubles/openai-upstream';
import { startTestApp, type TestApp, testAdminToken } from '../support/app';
import { readUIStream, textOf } from '../support/ui-stream';
import { settledTotals } from '../support/usage';

let upstream: OpenAIUpstream;
let app: TestApp;

beforeAll(async () => {
  upstream = await startOpenAIUpstream();
  app = await startTestApp({
    gatewayConfig: {
      providers: { upstream: { type: 'openai-compatible', baseURL: upstream.baseURL } },
      models: {
        'test/priced': {
          targets: [{ provider: 'upstream', model: 'p' }],
          pricing: { inputPerMTok: 3, outputPerMTok: 15 },
        },
        'test/cached': {
          targets: [{ provider: 'upstream', model: 'c' }],
          pricing: { inputPerMTok: 3, outputPerMTok: 15 },
          cache: { maxAgeSeconds: 60 },
        },
      },
      defaultModel: 'test/priced',
      // The response cache is on for this model; a conversation's messages never use it.
    },
  });
});
afterAll(async () => {
  await app?.stop();
  await upstream?.close();
});
beforeEach(() => upstream.reset());

type Credentials = { key: string } | { cookie: string };

function authOf(credentials: Credentials): Record<string, string> {
  return 'key' in credentials
    ? { authorization: `Bearer ${credentials.key}` }
    : { cookie: credentials.cookie };
}

function call(credentials: Credentials, method: string, path: string, body?: unknown) {
  return fetch(`${app.url}/api/conversations${path}`, {
    method,
    headers: {
      ...authOf(credentials),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function json(response: Response, status = 200) {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  return JSON.parse(text);
}

/** The messages of the last request the upstream received. */
function lastSentMessages(): unknown {
  const body = upstream.requests.at(-1)?.body as { messages?: unknown } | undefined;
  return body?.messages;
}

async function userKey(prefix: string) {
  const userId = `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
  return { userId, key: await app.createKey({ userId, plan: 'pro' }) };
}

describe('conversations kept on the server', () => {
  it('create, send two messages (stream and JSON), list, rename, delete; totals match the usage records', async () => {
    const { key } = await userKey('conv-alice');
    const alice = { key };
    const created = await json(
      await call(alice, 'POST', '', {
        title: 'Trip planning',
        systemPrompt: 'Answer briefly.',
        metadata: { project: 'atlas' },
      }),
      201,
    );
    expect(created).toMatchObject({
      id: expect.stringMatching(/^conv_[\w-]{22}$/),
      title: 'Trip planning',
      systemPrompt: 'Answer briefly.',
      metadata: { project: 'atlas' },
      messages: [],
      totalTokens: 0,
      totalCostUsd: 0,
    });
    const { id } = created;

    upstream.setBehavior({ chunkCount: 4, promptTokens: 30 });
    const streamed = await call(alice, 'POST', `/${id}/messages`, { content: 'Where to?' });
    expect(streamed.status).toBe(200);
    expect(streamed.headers.get('content-type')).toContain('text/event-stream');
    const parts = await readUIStream(streamed);
    expect(textOf(parts)).toBe(contentText(4));
    // The reply ends once both turns are stored: reading it now shows them.
    const afterFirst = await json(await call(alice, 'GET', `/${id}`));
    expect(afterFirst.messages).toMatchObject([
      { role: 'user', content: 'Where to?' },
      {
        role: 'assistant',
        content: contentText(4),
        answer: { model: 'test/priced', ending: 'finished' },
      },
    ]);

    upstream.setBehavior({ chunkCount: 6, promptTokens: 50 });
    const answered = await json(
      await call(alice, 'POST', `/${id}/messages`, { content: 'And then?', stream: false }),
    );
    expect(answered).toMatchObject({ model: 'test/priced', text: contentText(6) });
    // The upstream got the system prompt and the whole conversation so far.
    expect(lastSentMessages()).toEqual([
      { role: 'system', content: 'Answer briefly.' },
      { role: 'user', content: 'Where to?' },
      { role: 'assistant', content: contentText(4) },
      { role: 'user', content: 'And then?' },
    ]);

    const conversation = await json(await call(alice, 'GET', `/${id}`));
    expect(conversation.messages.map((message: { content: string }) => message.content)).toEqual([
      'Where to?',
      contentText(4),
      'And then?',
      contentText(6),
    ]);
    const totals = await settledTotals(app, key, 2);
    expect(totals.requests).toBe(2);
    expect(conversation.totalTokens).toBe(totals.inputTokens + totals.outputTokens);
    expect(conversation.totalTokens).toBe(30 + 4 + 50 + 6);
    expect(conversation.totalCostUsd).toBeCloseTo(totals.costUsd, 9);
    expect(conversation.totalCostUsd).toBeGreaterThan(0);
    const usage = await json(
      await fetch(`${app.url}/api/usage?period=day`, { headers: authOf(alice) }),
    );
    expect(usage.recent.map((entry: { conversationId?: string }) => entry.conversationId)).toEqual([
      id,
      id,
    ]);

    const listed = await json(await call(alice, 'GET', ''));
    expect(listed.nextCursor).toBeNull();
    expect(listed.conversations).toHaveLength(1);
    expect(listed.conversations[0]).toMatchObject({ id, title: 'Trip planning', messageCount: 4 });
    expect(listed.conversations[0]).not.toHaveProperty('messages');

    const renamed = await json(
      await call(alice, 'PATCH', `/${id}`, { title: 'Lisbon in May', systemPrompt: null }),
    );
    expect(renamed).toMatchObject({ id, title: 'Lisbon in May', messages: expect.any(Array) });
    expect(renamed).not.toHaveProperty('systemPrompt');
    expect((await json(await call(alice, 'GET', ''))).conversations[0].title).toBe('Lisbon in May');

    expect((await call(alice, 'DELETE', `/${id}`)).status).toBe(204);
    expect((await call(alice, 'GET', `/${id}`)).status).toBe(404);
    expect((await json(await call(alice, 'GET', ''))).conversations).toEqual([]);
  });

  it("another user gets 404 on someone else's conversation, and nothing changes", async () => {
    const alice = { key: (await userKey('conv-owner')).key };
    const bob = { key: (await userKey('conv-other')).key };
    const { id } = await json(await call(alice, 'POST', '', { title: 'Private' }), 201);
    await json(await call(alice, 'POST', `/${id}/messages`, { content: 'secret', stream: false }));
    const before = await json(await call(alice, 'GET', `/${id}`));
    upstream.reset();

    const attempts = [
      call(bob, 'GET', `/${id}`),
      call(bob, 'PATCH', `/${id}`, { title: 'Mine now' }),
      call(bob, 'DELETE', `/${id}`),
      call(bob, 'POST', `/${id}/messages`, { content: 'hi', stream: false }),
      call(bob, 'POST', `/${id}/messages`, { regenerate: true }),
    ];
    for (const response of await Promise.all(attempts)) {
      const body = await json(response, 404);
      expect(body.error.code).toBe('not_found');
      expect(body.error.message).not.toContain('secret');
    }
    expect(upstream.requests).toHaveLength(0);
    expect((await json(await call(bob, 'GET', ''))).conversations).toEqual([]);
    expect(await json(await call(alice, 'GET', `/${id}`))).toEqual(before);
  });

  it('bad input is a 400 or 413 in the error shape and changes no state', async () => {
    const alice = { key: (await userKey('conv-bad')).key };
    const { id } = await json(await call(alice, 'POST', '', { title: 'Kept' }), 201);
    const before = await json(await call(alice, 'GET', `/${id}`));
    const manyKeys = Object.fromEntries(
      Array.from({ length: 17 }, (_, index) => [`k${index}`, 'v']),
    );

    const refusals: Array<[Promise<Response>, number, string | null]> = [
      [call(alice, 'POST', '', { title: '' }), 400, 'title'],
      [call(alice, 'POST', '', { title: 'x'.repeat(201) }), 400, 'title'],
      [call(alice, 'POST', '', { metadata: manyKeys }), 400, 'metadata'],
      [call(alice, 'POST', '', { metadata: { k: 7 } }), 400, 'metadata.k'],
      [call(alice, 'POST', '', { owner: 'someone' }), 400, null],
      [call(alice, 'GET', '?limit=0'), 400, 'limit'],
      [call(alice, 'GET', '?cursor=not-a-cursor'), 400, 'cursor'],
      [call(alice, 'PATCH', `/${id}`, {}), 400, null],
      [call(alice, 'PATCH', `/${id}`, { title: 42 }), 400, 'title'],
      [call(alice, 'POST', `/${id}/messages`, {}), 400, 'content'],
      [call(alice, 'POST', `/${id}/messages`, { content: '   ' }), 400, 'content'],
      [call(alice, 'POST', `/${id}/messages`, { content: 'a', regenerate: true }), 400, 'content'],
      [call(alice, 'POST', `/${id}/messages`, { regenerate: true }), 400, 'regenerate'],
      [call(alice, 'POST', `/${id}/messages`, { content: 'x'.repeat(32_001) }), 413, 'content'],
    ];
    for (const [pending, status, param] of refusals) {
      const body = await json(await pending, status);
      expect(body.error).toMatchObject({ param, type: 'invalid_request_error' });
    }
    expect((await json(await call(alice, 'GET', '/not-an-id'), 404)).error.code).toBe('not_found');
    expect(upstream.requests).toHaveLength(0);
    expect(await json(await call(alice, 'GET', `/${id}`))).toEqual(before);
    expect((await json(await call(alice, 'GET', ''))).conversations).toHaveLength(1);
  });

  it('lists most recently updated first, by cursor, without gaps or repeats', async () => {
    const alice = { key: (await userKey('conv-pages')).key };
    const ids: string[] = [];
    // Created in one burst: several share a millisecond, so ties of `updatedAt` are paged too.
    for (const created of await Promise.all(
      Array.from({ length: 7 }, (_, index) => call(alice, 'POST', '', { title: `c${index}` })),
    )) {
      ids.push((await json(created, 201)).id);
    }
    const seen: Array<{ id: string; updatedAt: number }> = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `?limit=3&cursor=${encodeURIComponent(cursor)}` : '?limit=3';
      const page = await json(await call(alice, 'GET', query));
      seen.push(...page.conversations);
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen.map((entry) => entry.id).sort()).toEqual([...ids].sort());
    const times = seen.map((entry) => entry.updatedAt);
    expect(times).toEqual([...times].sort((a, b) => b - a));

    // An update moves a conversation to the front.
    const oldest = seen.at(-1)?.id as string;
    await json(await call(alice, 'PATCH', `/${oldest}`, { title: 'touched' }));
    expect((await json(await call(alice, 'GET', '?limit=1'))).conversations[0].id).toBe(oldest);
  });

  it('a message is never answered from the response cache: each one reaches the provider and is stored', async () => {
    const alice = { key: (await userKey('conv-cache')).key };
    const { id } = await json(await call(alice, 'POST', '', { model: 'test/cached' }), 201);
    for (let round = 0; round < 2; round++) {
      const response = await fetch(`${app.url}/api/conversations/${id}/messages`, {
        method: 'POST',
        headers: {
          ...authOf(alice),
          'content-type': 'application/json',
          'cache-control': 'max-age=60',
        },
        body: JSON.stringify({ content: 'same question', stream: false }),
      });
      expect(response.headers.get('x-tollgate-cache')).toBeNull();
      expect((await json(response)).model).toBe('test/cached');
    }
    expect(upstream.requests).toHaveLength(2);
    expect((await json(await call(alice, 'GET', `/${id}`))).messageCount).toBe(4);
  });

  it('regenerate replaces the last answer; both answers count in the totals', async () => {
    const { key } = await userKey('conv-regen');
    const alice = { key };
    const { id } = await json(await call(alice, 'POST', '', {}), 201);
    upstream.setBehavior({ chunkCount: 3, promptTokens: 10 });
    await json(await call(alice, 'POST', `/${id}/messages`, { content: 'Q', stream: false }));
    upstream.setBehavior({ chunkCount: 5, promptTokens: 10 });
    await readUIStream(await call(alice, 'POST', `/${id}/messages`, { regenerate: true }));
    expect(lastSentMessages()).toEqual([{ role: 'user', content: 'Q' }]);
    const conversation = await json(await call(alice, 'GET', `/${id}`));
    expect(conversation.title).toBe('New chat');
    expect(conversation.messages.map((message: { content: string }) => message.content)).toEqual([
      'Q',
      contentText(5),
    ]);
    const totals = await settledTotals(app, key, 2);
    expect(conversation.totalTokens).toBe(10 + 3 + 10 + 5);
    expect(conversation.totalTokens).toBe(totals.inputTokens + totals.outputTokens);
  });

  it('a stopped answer keeps the question and the partial text, marked aborted', async () => {
    const { key } = await userKey('conv-stop');
    const alice = { key };
    const { id } = await json(await call(alice, 'POST', '', {}), 201);
    upstream.setBehavior({ chunkCount: 200, chunkDelayMs: 20 });
    const controller = new AbortController();
    const response = await fetch(`${app.url}/api/conversations/${id}/messages`, {
      method: 'POST',
      headers: { ...authOf(alice), 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'Tell me everything' }),
      signal: controller.signal,
    });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let received = '';
    while (!received.includes('text-delta'))
      received += new TextDecoder().decode((await reader.read()).value);
    controller.abort();

    // Stored after the response, once the gateway saw the client leave.
    const deadline = Date.now() + 10_000;
    let conversation = await json(await call(alice, 'GET', `/${id}`));
    while (conversation.messages.length < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      conversation = await json(await call(alice, 'GET', `/${id}`));
    }
    const [question, partial] = conversation.messages;
    expect(question).toMatchObject({ role: 'user', content: 'Tell me everything' });
    expect(partial).toMatchObject({ role: 'assistant', answer: { ending: 'aborted' } });
    expect(partial.content.length).toBeGreaterThan(0);
    expect(contentText(200).startsWith(partial.content)).toBe(true);
    const totals = await settledTotals(app, key, 1);
    expect(conversation.totalTokens).toBe(totals.inputTokens + totals.outputTokens);
  });

  it("a guest's conversations move to the user at sign-in", async () => {
    const page = await fetch(`${app.url}/`);
    const guestCookie = page.headers.get('set-cookie')?.split(';')[0] as string;
    expect(guestCookie).toMatch(/^tollgate_session=/);
    const guest = { cookie: guestCookie };
    const { id } = await json(
      await call(guest, 'POST', '', { title: 'From a guest', model: 'demo/instant' }),
      201,
    );
    const answer = await json(
      await call(guest, 'POST', `/${id}/messages`, { content: 'Hi', stream: false }),
    );
    expect(answer.model).toBe('demo/instant');
    const guestView = await json(await call(guest, 'GET', `/${id}`));
    // A guest's conversation ends with the guest's session (30 days after its last change)...
    const redis = new Redis({ url: app.bridge.url, token: app.redisToken });
    const expiry = () =>
      Promise.all([
        redis.ttl(conversationKeys.record(id)),
        redis.ttl(conversationKeys.messages(id)),
      ]);
    for (const seconds of await expiry()) {
      expect(seconds).toBeGreaterThan(30 * 86_400 - 60);
      expect(seconds).toBeLessThanOrEqual(30 * 86_400);
    }

    const { userId, key } = await userKey('conv-signin');
    const signIn = await fetch(`${app.url}/api/session`, {
      method: 'POST',
      headers: { cookie: guestCookie, 'content-type': 'application/json' },
      body: JSON.stringify({ apiKey: key }),
    });
    expect((await json(signIn)).userId).toBe(userId);
    const userCookie = signIn.headers.get('set-cookie')?.split(';')[0] as string;

    for (const user of [{ cookie: userCookie }, { key }]) {
      const listed = await json(await call(user, 'GET', ''));
      expect(listed.conversations.map((entry: { id: string }) => entry.id)).toEqual([id]);
      expect(await json(await call(user, 'GET', `/${id}`))).toEqual(guestView);
    }
    // The guest no longer has it, and the user's does not expire.
    expect((await call(guest, 'GET', `/${id}`)).status).toBe(404);
    expect(await expiry()).toEqual([-1, -1]);
  });

  it('with Redis gone every conversation route is a 503 store_unavailable, and they recover', async () => {
    const alice = { key: (await userKey('conv-outage')).key };
    const { id } = await json(await call(alice, 'POST', '', { title: 'Before' }), 201);
    // Seen once, so the key record is cached where chat admission may use it.
    await json(await call(alice, 'POST', `/${id}/messages`, { content: 'hi', stream: false }));

    await app.redis.stop();
    try {
      const attempts = [
        call(alice, 'POST', '', { title: 'During' }),
        call(alice, 'GET', ''),
        call(alice, 'GET', `/${id}`),
        call(alice, 'PATCH', `/${id}`, { title: 'During' }),
        call(alice, 'DELETE', `/${id}`),
        call(alice, 'POST', `/${id}/messages`, { content: 'hi', stream: false }),
      ];
      for (const response of await Promise.all(attempts)) {
        expect((await json(response, 503)).error.code).toBe('store_unavailable');
      }
    } finally {
      await app.redis.restart();
    }
    // The restarted Redis is empty (the key is gone too): the admin token, which needs no
    // store to be known, finds the routes answering again.
    const admin = { key: testAdminToken };
    const deadline = Date.now() + 10_000;
    let after = await call(admin, 'GET', '');
    while (after.status !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = await call(admin, 'GET', '');
    }
    expect((await json(after)).conversations).toEqual([]);
    expect((await call(admin, 'POST', '', { title: 'After' })).status).toBe(201);
  });
});
