import { Chat } from '@ai-sdk/react';
import { Redis } from '@upstash/redis';
import {
  DefaultChatTransport,
  parseJsonEventStream,
  readUIMessageStream,
  type UIMessage,
  type UIMessageChunk,
  uiMessageChunkSchema,
} from 'ai';
import OpenAI from 'openai';
import { createClient } from 'redis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { redisKeys } from '@/lib/limits/keys';
import { contentText, type OpenAIUpstream, startOpenAIUpstream } from '../doubles/openai-upstream';
import { startTestApp, type TestApp, testAdminToken } from '../support/app';
import { quietBridge, type RawRedis, waitForLogEntries } from '../support/settled';
import { readUIStream, textOf } from '../support/ui-stream';
import { settledTotals } from '../support/usage';

let upstream: OpenAIUpstream;
let app: TestApp;
let redis: Redis;
// Straight to redis-server, not through the bridge whose requests some tests count.
let rawRedis: RawRedis;

const prices = { inputPerMTok: 1, outputPerMTok: 2 };
const target = [{ provider: 'upstream', model: 'fast' }];

beforeAll(async () => {
  upstream = await startOpenAIUpstream();
  app = await startTestApp({
    gatewayConfig: {
      providers: { upstream: { type: 'openai-compatible', baseURL: upstream.baseURL } },
      models: {
        'test/cached': { targets: target, pricing: prices, cache: { maxAgeSeconds: 60 } },
        'test/brief': { targets: target, pricing: prices, cache: { maxAgeSeconds: 1 } },
        'test/plain': { targets: target, pricing: prices },
      },
      plans: {
        metered: {
          requestsPerMinute: 1000,
          tokensPerDay: 1_000_000,
          spendPerDayUsd: 10,
          concurrentRequests: 64,
        },
        tight: { requestsPerMinute: 2 },
        // One answer (17 + 5 tokens) leaves too little for a second one.
        small: { tokensPerDay: 30 },
        // A team's plan: it alone enables the cache for its members, on any model.
        crew: { cache: { maxAgeSeconds: 60 } },
        // A team's plan that switches the cache off for its members, wherever it is enabled.
        uncached: { cache: { maxAgeSeconds: 0 } },
      },
    },
  });
  redis = new Redis({ url: app.bridge.url, token: app.redisToken, enableAutoPipelining: false });
  rawRedis = createClient({ url: app.redis.url });
  await rawRedis.connect();
});
afterAll(async () => {
  await rawRedis?.quit();
  await app?.stop();
  await upstream?.close();
});
beforeEach(() => upstream.reset());

let users = 0;
/** A key of a user of its own: tests never share cache entries or usage. */
async function newCaller(plan = 'metered') {
  const userId = `cache-user-${++users}`;
  return { userId, key: await app.createKey({ userId, plan }) };
}

function post(path: string, key: string, body: unknown, cacheControl?: string) {
  return fetch(`${app.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${key}`,
      ...(cacheControl ? { 'cache-control': cacheControl } : {}),
    },
    body: JSON.stringify(body),
  });
}

/** The cache index: entry -> expiry. A stored (or replaced) entry shows as a new pair. */
async function cacheIndex(): Promise<Map<string, number>> {
  const flat = await redis.zrange<unknown[]>(redisKeys.cacheIndex(), 0, -1, { withScores: true });
  const index = new Map<string, number>();
  for (let at = 0; at + 1 < flat.length; at += 2) index.set(String(flat[at]), Number(flat[at + 1]));
  return index;
}

/** Entries are written after the response, once it is complete: waits until one more is. */
async function waitForStored(before: Map<string, number>): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const now = await cacheIndex();
    if ([...now].some(([entry, expiry]) => before.get(entry) !== expiry)) return;
    if (Date.now() > deadline) throw new Error('no answer was stored within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Sends a request whose answer is not cached yet, and waits until it is. */
async function sendMiss(path: string, key: string, body: unknown, cacheControl?: string) {
  const before = await cacheIndex();
  const response = await post(path, key, body, cacheControl);
  expect(response.headers.get('x-tollgate-cache')).toBe('miss');
  const text = await response.text();
  await waitForStored(before);
  return { response, text };
}

const question = (content: string) => [{ role: 'user', content }];

/** The UI stream as the AI SDK's own reader assembles it: the last state of the message. */
async function readUIMessage(response: Response): Promise<UIMessage> {
  const chunks = parseJsonEventStream({
    stream: response.body as ReadableStream<Uint8Array>,
    schema: uiMessageChunkSchema,
  }).pipeThrough(
    new TransformStream<{ success: boolean; value?: unknown; error?: unknown }, UIMessageChunk>({
      transform(result, controller) {
        if (!result.success) throw result.error;
        controller.enqueue(result.value as UIMessageChunk);
      },
    }),
  );
  let last: UIMessage | undefined;
  for await (const message of readUIMessageStream({ stream: chunks, terminateOnError: true }))
    last = message;
  if (!last) throw new Error('the UI stream held no message');
  return last;
}

const messageText = (message: UIMessage) =>
  message.parts.map((part) => (part.type === 'text' ? part.text : '')).join('');

describe('the response cache', () => {
  it('two identical non-streaming requests with max-age=60: the second is a hit with an identical body and the upstream saw one request; the budget moved once; another user`s identical request is a miss', async () => {
    const alice = await newCaller();
    const bob = await newCaller();
    const body = { model: 'test/cached', messages: question('What is a toll gate?') };
    const path = '/api/v1/chat/completions';

    const first = await sendMiss(path, alice.key, body, 'max-age=60');
    expect(first.response.status).toBe(200);
    const second = await post(path, alice.key, body, 'max-age=60');
    expect(second.status).toBe(200);
    expect(second.headers.get('x-tollgate-cache')).toBe('hit');
    expect(second.headers.get('content-type')).toBe(first.response.headers.get('content-type'));
    expect(second.headers.get('x-tollgate-model')).toBe('test/cached');
    expect(second.headers.get('x-tollgate-provider')).toBe('upstream');
    expect(second.headers.get('x-request-id')).not.toBe(first.response.headers.get('x-request-id'));
    expect(await second.text()).toBe(first.text);
    expect(upstream.requests).toHaveLength(1);

    // 17 input and 5 output tokens at $1 and $2 per million: 27 micro-dollars, billed once.
    const totals = await settledTotals(app, alice.key, 2);
    expect(totals).toMatchObject({
      requests: 2,
      inputTokens: 17,
      outputTokens: 5,
      costUsd: 0.000027,
      cachedRequests: 1,
      savedUsd: 0.000027,
    });
    const limits = await (
      await fetch(`${app.url}/api/limits`, { headers: { authorization: `Bearer ${alice.key}` } })
    ).json();
    expect(limits.limits.tokensPerDay.used).toBe(22);
    const usage = await (
      await fetch(`${app.url}/api/usage?period=day`, {
        headers: { authorization: `Bearer ${alice.key}` },
      })
    ).json();
    expect(usage.recent[0]).toMatchObject({
      cached: true,
      savedMicroUsd: 27,
      costMicroUsd: 0,
      inputTokens: 0,
      outputTokens: 0,
      model: 'test/cached',
      status: 'ok',
    });
    expect(usage.recent[1]).toMatchObject({ costMicroUsd: 27 });
    expect(usage.recent[1].cached).toBeUndefined();

    const other = await post(path, bob.key, body, 'max-age=60');
    expect(other.headers.get('x-tollgate-cache')).toBe('miss');
    expect(await other.text()).not.toBe(first.text);
    expect(upstream.requests).toHaveLength(2);
  });

  it('a streamed hit is a valid stream that the openai client reads, chunk for chunk as the original', async () => {
    const { key } = await newCaller();
    const client = new OpenAI({ baseURL: `${app.url}/api/v1`, apiKey: key, maxRetries: 0 });
    const read = async () => {
      const { data, response } = await client.chat.completions
        .create(
          {
            model: 'test/cached',
            messages: [{ role: 'user', content: 'Stream me a toll gate.' }],
            stream: true,
            stream_options: { include_usage: true },
          },
          { headers: { 'cache-control': 'max-age=60' } },
        )
        .withResponse();
      const chunks: OpenAI.ChatCompletionChunk[] = [];
      for await (const chunk of data) chunks.push(chunk);
      return { cache: response.headers.get('x-tollgate-cache'), chunks };
    };
    const before = await cacheIndex();
    const miss = await read();
    await waitForStored(before);
    const hit = await read();

    expect([miss.cache, hit.cache]).toEqual(['miss', 'hit']);
    expect(hit.chunks).toEqual(miss.chunks);
    expect(hit.chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe(
      contentText(5),
    );
    expect(hit.chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 17, completion_tokens: 5 });
    expect(upstream.requests).toHaveLength(1);
  });

  it('a UI-stream hit is read by the AI SDK`s stream reader like the original, and UI message ids do not matter', async () => {
    const { key } = await newCaller();
    const body = (id: string) => ({
      model: 'test/cached',
      messages: [{ id, role: 'user', parts: [{ type: 'text', text: 'A UI toll gate.' }] }],
    });
    const miss = await sendMiss('/api/chat', key, body('msg-1'));
    const hit = await post('/api/chat', key, body('msg-2'));
    expect(hit.headers.get('x-tollgate-cache')).toBe('hit');
    expect(hit.headers.get('content-type')).toBe(miss.response.headers.get('content-type'));
    const message = await readUIMessage(hit);
    expect(messageText(message)).toBe(contentText(5));
    expect(message.metadata).toMatchObject({ model: 'test/cached', usage: { outputTokens: 5 } });
    const replayed = await post('/api/chat', key, body('msg-3'));
    expect(await replayed.text()).toBe(miss.text);
    expect(upstream.requests).toHaveLength(1);
  });

  it('useChat`s chat state (the `Chat` that useChat renders) reads a streamed hit as it read the original', async () => {
    const { key } = await newCaller();
    const cacheHeaders: string[] = [];
    const chatWithTollgate = () =>
      new Chat({
        transport: new DefaultChatTransport({
          api: `${app.url}/api/chat`,
          headers: { authorization: `Bearer ${key}` },
          body: { model: 'test/cached' },
          fetch: async (input, init) => {
            const response = await fetch(input, init);
            cacheHeaders.push(response.headers.get('x-tollgate-cache') ?? 'none');
            return response;
          },
        }),
      });
    const before = await cacheIndex();
    const first = chatWithTollgate();
    await first.sendMessage({ text: 'useChat, from the cache.' });
    await waitForStored(before);
    const second = chatWithTollgate();
    await second.sendMessage({ text: 'useChat, from the cache.' });

    expect(cacheHeaders).toEqual(['miss', 'hit']);
    for (const chat of [first, second]) {
      expect(chat.status).toBe('ready');
      expect(chat.error).toBeUndefined();
      expect(chat.messages.map((message) => message.role)).toEqual(['user', 'assistant']);
    }
    const answer = (chat: Chat<UIMessage>) => messageText(chat.messages[1] as UIMessage);
    expect(answer(second)).toBe(contentText(5));
    expect(answer(second)).toBe(answer(first));
    expect(second.messages[1]?.metadata).toEqual(first.messages[1]?.metadata);
    expect(upstream.requests).toHaveLength(1);
  });

  it.each([
    {
      name: '/api/chat JSON',
      path: '/api/chat',
      body: { model: 'test/cached', stream: false, messages: question('JSON, please.') },
    },
    {
      name: 'a Chat Completions stream without usage',
      path: '/api/v1/chat/completions',
      body: { model: 'test/cached', stream: true, messages: question('A plain stream.') },
    },
    {
      name: 'a Responses stream',
      path: '/api/v1/responses',
      body: { model: 'test/cached', stream: true, input: 'A Responses stream.' },
    },
    {
      name: 'a Responses object',
      path: '/api/v1/responses',
      body: { model: 'test/cached', input: 'A Responses object.' },
    },
    {
      name: 'an Anthropic Messages stream',
      path: '/api/anthropic/v1/messages',
      body: {
        model: 'test/cached',
        max_tokens: 100,
        stream: true,
        messages: question('An Anthropic stream.'),
      },
    },
  ])('replays $name byte for byte, without calling the provider', async ({ path, body }) => {
    const { key } = await newCaller();
    const miss = await sendMiss(path, key, body);
    expect(miss.response.status).toBe(200);
    const hit = await post(path, key, body);
    expect(hit.status).toBe(200);
    expect(hit.headers.get('x-tollgate-cache')).toBe('hit');
    expect(hit.headers.get('content-type')).toBe(miss.response.headers.get('content-type'));
    expect(await hit.text()).toBe(miss.text);
    expect(upstream.requests).toHaveLength(1);
  });

  it('after its max-age an answer is a miss again, and after the configured age it is gone', async () => {
    const { key } = await newCaller();
    const path = '/api/v1/chat/completions';
    const cached = { model: 'test/cached', messages: question('How old is this answer?') };
    const brief = { model: 'test/brief', messages: question('A one-second answer.') };
    await sendMiss(path, key, cached);
    await sendMiss(path, key, brief);
    const fresh = await post(path, key, cached, 'max-age=60');
    expect(fresh.headers.get('x-tollgate-cache')).toBe('hit');
    await fresh.text();

    // Deliberately past both ages: 1 s asked by the request, 1 s configured for test/brief.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const stale = await post(path, key, cached, 'max-age=1');
    expect(stale.headers.get('x-tollgate-cache')).toBe('miss');
    await stale.text();
    const expired = await post(path, key, brief, 'max-age=60');
    expect(expired.headers.get('x-tollgate-cache')).toBe('miss');
    await expired.text();
    expect(upstream.requests).toHaveLength(4);
  });

  it('30 concurrent identical requests never serve a partial answer', async () => {
    upstream.setBehavior({ chunkCount: 20, chunkDelayMs: 5 });
    const { key } = await newCaller();
    const body = {
      model: 'test/cached',
      messages: [{ role: 'user', parts: [{ type: 'text', text: 'Thirty at once.' }] }],
    };
    const expected = contentText(20);
    const reference = await post('/api/chat', key, body, 'no-store');
    expect(textOf(await readUIStream(reference))).toBe(expected);

    const before = await cacheIndex();
    // Each request starts as the previous one's headers arrive, so later ones come while
    // earlier answers are still streaming, and some after one of them was stored.
    const overlapping: Array<Promise<{ cache: string | null; parts: Record<string, unknown>[] }>> =
      [];
    let started: Promise<unknown> = Promise.resolve();
    for (let index = 0; index < 30; index++) {
      const response = started.then(() => post('/api/chat', key, body));
      started = response;
      overlapping.push(
        response.then(async (reply) => ({
          cache: reply.headers.get('x-tollgate-cache'),
          parts: await readUIStream(reply),
        })),
      );
    }
    for (const { cache, parts } of await Promise.all(overlapping)) {
      expect(['miss', 'hit']).toContain(cache);
      expect(textOf(parts)).toBe(expected);
      expect(parts.at(-1)?.type).toBe('finish');
    }

    await waitForStored(before);
    const atOnce = await Promise.all(
      Array.from({ length: 30 }, async () => {
        const reply = await post('/api/chat', key, body);
        return { cache: reply.headers.get('x-tollgate-cache'), text: await reply.text() };
      }),
    );
    const served = upstream.requests.length;
    expect(new Set(atOnce.map((reply) => reply.cache))).toEqual(new Set(['hit']));
    expect(new Set(atOnce.map((reply) => reply.text)).size).toBe(1);
    expect(textOf(await readUIStream(new Response(atOnce[0]?.text)))).toBe(expected);
    expect(upstream.requests).toHaveLength(served);
  });

  it('no-cache and no-store bypass the cache: neither read nor written', async () => {
    const { key } = await newCaller();
    const path = '/api/v1/chat/completions';
    const body = { model: 'test/cached', messages: question('Bypass me.') };
    for (const directive of ['no-cache', 'no-store', 'max-age=60, no-cache']) {
      const response = await post(path, key, body, directive);
      expect(response.headers.get('x-tollgate-cache')).toBe('bypass');
      await response.text();
    }
    await settledTotals(app, key, 3);
    // Nothing was stored by the bypasses: the next request is the first miss.
    await sendMiss(path, key, body);
    expect(upstream.requests).toHaveLength(4);
  });

  it('a model and plan without a cache get no cache header and no lookup', async () => {
    const { key } = await newCaller();
    const body = { model: 'test/plain', messages: question('Never cached.') };
    for (let index = 0; index < 2; index++) {
      const response = await post('/api/v1/chat/completions', key, body, 'max-age=60');
      expect(response.status).toBe(200);
      expect(response.headers.has('x-tollgate-cache')).toBe(false);
      await response.text();
    }
    expect(upstream.requests).toHaveLength(2);
  });

  it('a hit counts as a request against the rate limit', async () => {
    const { key } = await newCaller('tight');
    const path = '/api/v1/chat/completions';
    const body = { model: 'test/cached', messages: question('Count me.') };
    await sendMiss(path, key, body);
    const hit = await post(path, key, body);
    expect(hit.headers.get('x-tollgate-cache')).toBe('hit');
    expect(hit.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    await hit.text();
    const refused = await post(path, key, body);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).not.toBeNull();
    expect((await refused.json()).error.code).toBe('rate_limited');
    expect(upstream.requests).toHaveLength(1);
  });

  it('a hit costs no budget: it is served when the budget has no room for another answer', async () => {
    const { key } = await newCaller('small');
    const path = '/api/v1/chat/completions';
    const body = { model: 'test/cached', messages: question('Spend it all.') };
    await sendMiss(path, key, body);
    await settledTotals(app, key, 1);
    const fresh = await post(path, key, {
      ...body,
      messages: question('Something else.'),
    });
    expect(fresh.status).toBe(402);
    const hit = await post(path, key, body);
    expect(hit.status).toBe(200);
    expect(hit.headers.get('x-tollgate-cache')).toBe('hit');
    await hit.text();
    expect(await settledTotals(app, key, 2)).toMatchObject({ requests: 2, outputTokens: 5 });
    expect(upstream.requests).toHaveLength(1);
  });

  it('a cacheable miss makes one Redis round trip more than admission (the lookup) before the provider is called; a hit makes two and calls none', async () => {
    const { userId, key } = await newCaller();
    const path = '/api/v1/chat/completions';
    // The key's first request loads its record and the scripts: the rest is the steady state.
    await sendMiss(path, key, { model: 'test/cached', messages: question('Warm up.') });
    const body = { model: 'test/cached', messages: question('Count the round trips.') };

    // The test's own reads of Redis go through the bridge too: none between the counts. A busy
    // machine can delay a settlement past any quiet interval, so it is waited for itself.
    const index = await cacheIndex();
    await waitForLogEntries(rawRedis, userId, 1);
    let before = await quietBridge(app);
    const atUpstream = upstream
      .waitForRequests(upstream.requests.length + 1, 10_000)
      .then(() => app.bridge.stats.httpRequests);
    const miss = await post(path, key, body);
    expect(miss.headers.get('x-tollgate-cache')).toBe('miss');
    await miss.text();
    expect((await atUpstream) - before).toBe(2);
    await waitForStored(index);
    await waitForLogEntries(rawRedis, userId, 2);

    before = await quietBridge(app);
    const hit = await post(path, key, body);
    expect(hit.headers.get('x-tollgate-cache')).toBe('hit');
    await hit.text();
    await waitForLogEntries(rawRedis, userId, 3);
    // The lookup, the hit's admission, and its settlement after the response.
    expect((await quietBridge(app)) - before).toBe(3);
    expect(upstream.requests).toHaveLength(2);
  });

  it('an answer cut short is not stored', async () => {
    const { key } = await newCaller();
    const path = '/api/v1/chat/completions';
    const body = { model: 'test/cached', stream: true, messages: question('Cut me.') };
    upstream.setBehavior({ cutAfterChunks: 2 });
    const cut = await post(path, key, body);
    expect(cut.headers.get('x-tollgate-cache')).toBe('miss');
    expect(await cut.text()).not.toContain('[DONE]');
    await settledTotals(app, key, 1);
    upstream.setBehavior({ cutAfterChunks: undefined });
    const whole = await sendMiss(path, key, body);
    expect(whole.text).toContain('[DONE]');
    expect(upstream.requests).toHaveLength(2);
  });
});

/** A team of the given plan whose members are in it by membership (their keys name no team). */
async function newTeam(id: string, plan: string, members: number) {
  const admin = { authorization: `Bearer ${testAdminToken}`, 'content-type': 'application/json' };
  const created = await fetch(`${app.url}/api/teams`, {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({ id, name: id, plan }),
  });
  expect(created.status).toBe(201);
  const callers = [];
  for (let index = 0; index < members; index++) {
    const caller = await newCaller();
    const joined = await fetch(`${app.url}/api/teams/${id}/members/${caller.userId}`, {
      method: 'PUT',
      headers: admin,
    });
    expect(joined.status).toBe(200);
    callers.push(caller);
  }
  return callers;
}

describe('the cache of a team', () => {
  it('two members of a team (by membership) share a hit; a member of another team and a user in no team miss', async () => {
    const [ann, bob] = await newTeam('cache-crew', 'metered', 2);
    const [other] = await newTeam('cache-others', 'metered', 1);
    const loner = await newCaller();
    const body = { model: 'test/cached', messages: question('Who shares this answer?') };
    const path = '/api/v1/chat/completions';

    const first = await sendMiss(path, ann?.key as string, body);
    const shared = await post(path, bob?.key as string, body);
    expect(shared.headers.get('x-tollgate-cache')).toBe('hit');
    expect(await shared.text()).toBe(first.text);
    expect(upstream.requests).toHaveLength(1);

    for (const outsider of [other, loner]) {
      const missed = await post(path, outsider?.key as string, body);
      expect(missed.headers.get('x-tollgate-cache')).toBe('miss');
      expect(await missed.text()).not.toBe(first.text);
    }
    expect(upstream.requests).toHaveLength(3);
  });

  it("a team plan's cache enables it for its members where neither the model nor their own plan does, and a team plan's 0 switches it off where the model enables it", async () => {
    const [ann, bob] = await newTeam('cache-by-plan', 'crew', 2);
    const loner = await newCaller();
    const plain = { model: 'test/plain', messages: question('Does my team cache this?') };
    const path = '/api/v1/chat/completions';

    await sendMiss(path, ann?.key as string, plain);
    expect((await post(path, bob?.key as string, plain)).headers.get('x-tollgate-cache')).toBe(
      'hit',
    );
    const outside = await post(path, loner.key, plain);
    expect(outside.headers.get('x-tollgate-cache')).toBeNull();

    const [off] = await newTeam('cache-off', 'uncached', 1);
    const cached = { model: 'test/cached', messages: question('Does my team cache this?') };
    for (let sent = 0; sent < 2; sent++) {
      const response = await post(path, off?.key as string, cached);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-tollgate-cache')).toBeNull();
      await response.text();
    }
    expect(upstream.requests).toHaveLength(4);
  });
});
