import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { countTokens, estimatePromptTokens } from '@/lib/tokens';
import { type OpenAIUpstream, startOpenAIUpstream } from '../doubles/openai-upstream';
import { startTestApp, type TestApp, testAdminToken } from '../support/app';
import { settledTotals } from '../support/usage';

let upstream: OpenAIUpstream;
let app: TestApp;

// Whole micro-dollars per token: each request's cost follows from its reported token counts.
const pricing = { inputPerMTok: 1, outputPerMTok: 2 };
const costOf = (input: number, output: number) => (input * 1 + output * 2) / 1_000_000;

beforeAll(async () => {
  upstream = await startOpenAIUpstream();
  app = await startTestApp({
    gatewayConfig: {
      providers: { upstream: { type: 'openai-compatible', baseURL: upstream.baseURL } },
      models: { 'test/priced': { targets: [{ provider: 'upstream', model: 'p' }], pricing } },
      plans: {
        metered: { requestsPerMinute: 1_000, spendPerMonthUsd: 100 },
        featureRequired: { requestsPerMinute: 1_000, requiredTags: ['feature'] },
      },
    },
  });
});
afterAll(async () => {
  await app?.stop();
  await upstream?.close();
});
beforeEach(() => upstream.reset());

const newKey = (plan = 'metered') =>
  app.createKey({ userId: `tags-${crypto.randomUUID().slice(0, 8)}`, plan });

const openai = (apiKey: string) =>
  new OpenAI({ baseURL: `${app.url}/api/v1`, apiKey, maxRetries: 0 });

function getJson(path: string, apiKey: string) {
  return fetch(`${app.url}${path}`, { headers: { authorization: `Bearer ${apiKey}` } });
}

function postJson(
  path: string,
  apiKey: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  return fetch(`${app.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

interface UsageReport {
  totals: { requests: number; costUsd: number };
  byTag: {
    tag: string;
    requests: number;
    inputTokens: number;
    outputTokens: number;
    costUsd: number;
  }[];
}
interface Records {
  records: { id: string; at: number; tags?: string[]; costUsd: number }[];
  nextCursor: string | null;
}

const question = [{ role: 'user' as const, content: 'Which feature spent the money?' }];

/** One request on each chat endpoint, as a client of that protocol sends it. */
const chatBodies = {
  '/api/chat': { model: 'test/priced', messages: question, stream: false },
  '/api/v1/chat/completions': { model: 'test/priced', messages: question },
  '/api/v1/responses': { model: 'test/priced', input: 'Which feature spent the money?' },
  '/api/anthropic/v1/messages': { model: 'test/priced', max_tokens: 64, messages: question },
};

/** What a refusal left behind: nothing recorded, nothing sent upstream, no rate window used. */
async function expectNothingRecorded(apiKey: string) {
  const records = (await (await getJson('/api/usage/records', apiKey)).json()) as Records;
  expect(records.records).toEqual([]);
  const usage = (await (await getJson('/api/usage', apiKey)).json()) as UsageReport;
  expect(usage.totals.requests).toBe(0);
  const limits = await (await getJson('/api/limits', apiKey)).json();
  expect(limits.limits.requestsPerMinute.used).toBe(0);
  expect(upstream.requests).toHaveLength(0);
}

describe('tags', () => {
  it('spend by tag in /api/usage equals the sum of the tagged requests', async () => {
    const apiKey = await newKey();
    const client = openai(apiKey);
    const spent: Record<string, number> = {};
    const charge = (tags: string[], costUsd: number) => {
      for (const tag of tags) spent[tag] = (spent[tag] ?? 0) + costUsd;
    };

    // Chat Completions through the openai client, tagged by `metadata` alone.
    upstream.setBehavior({ promptTokens: 31, chunkCount: 7 });
    const completion = await client.chat.completions.create({
      model: 'test/priced',
      messages: question,
      metadata: { feature: 'chat', env: 'prod' },
    });
    const completionUsage = completion.usage as OpenAI.CompletionUsage;
    charge(
      ['feature:chat', 'env:prod'],
      costOf(completionUsage.prompt_tokens, completionUsage.completion_tokens),
    );

    // Responses through the openai client: metadata and the header, merged.
    upstream.setBehavior({ promptTokens: 45, chunkCount: 11 });
    const response = await client.responses.create(
      { model: 'test/priced', input: 'Search for it.', metadata: { feature: 'search' } },
      { headers: { 'x-tollgate-tags': 'env:prod' } },
    );
    const responseUsage = response.usage as OpenAI.Responses.ResponseUsage;
    charge(
      ['feature:search', 'env:prod'],
      costOf(responseUsage.input_tokens, responseUsage.output_tokens),
    );

    // /api/chat and Anthropic Messages through fetch, with the header.
    upstream.setBehavior({ promptTokens: 19, chunkCount: 3 });
    const chat = await postJson('/api/chat', apiKey, chatBodies['/api/chat'], {
      'x-tollgate-tags': 'feature:chat',
    });
    expect(chat.status).toBe(200);
    charge(['feature:chat'], ((await chat.json()) as { costUsd: number }).costUsd);

    upstream.setBehavior({ promptTokens: 77, chunkCount: 13 });
    const message = await postJson(
      '/api/anthropic/v1/messages',
      apiKey,
      chatBodies['/api/anthropic/v1/messages'],
      { 'x-tollgate-tags': 'feature:search, env:staging' },
    );
    expect(message.status).toBe(200);
    const { usage } = (await message.json()) as {
      usage: { input_tokens: number; output_tokens: number };
    };
    charge(['feature:search', 'env:staging'], costOf(usage.input_tokens, usage.output_tokens));

    // An untagged request counts in the totals and in no tag.
    upstream.setBehavior({ promptTokens: 1_000, chunkCount: 2 });
    await client.chat.completions.create({ model: 'test/priced', messages: question });

    await settledTotals(app, apiKey, 5);
    const report = (await (await getJson('/api/usage?period=day', apiKey)).json()) as UsageReport;
    expect(report.totals.requests).toBe(5);
    const byTag = Object.fromEntries(report.byTag.map((entry) => [entry.tag, entry]));
    expect(Object.keys(byTag).sort()).toEqual(Object.keys(spent).sort());
    for (const [tag, costUsd] of Object.entries(spent)) {
      expect(byTag[tag]?.costUsd, tag).toBeCloseTo(costUsd, 9);
      expect(byTag[tag]?.costUsd, tag).toBeGreaterThan(0);
    }
    expect(byTag['feature:chat']?.requests).toBe(2);
    expect(byTag['env:staging']?.requests).toBe(1);
    expect(byTag['env:prod']?.inputTokens).toBe(31 + 45);
    // Sorted by spend, biggest first.
    const costs = report.byTag.map((entry) => entry.costUsd);
    expect(costs).toEqual([...costs].sort((a, b) => b - a));

    // The request log keeps each request's tags, and filters by them.
    const tagged = (await (
      await getJson('/api/usage/records?tag=feature:search', apiKey)
    ).json()) as Records;
    expect(tagged.records.map((record) => record.tags)).toEqual([
      ['feature:search', 'env:staging'],
      ['env:prod', 'feature:search'],
    ]);
    const taggedSpend = tagged.records.reduce((sum, record) => sum + record.costUsd, 0);
    expect(byTag['feature:search']?.costUsd).toBeCloseTo(taggedSpend, 9);
    // The header is the gateway's, never the provider's business.
    expect(upstream.requests.some((request) => 'x-tollgate-tags' in request.headers)).toBe(false);
  });

  it.each(Object.entries(chatBodies))(
    'refuses a bad tag header on %s with a 400 naming it, and records nothing',
    async (path, body) => {
      const apiKey = await newKey();
      for (const header of ['Feature:Chat', 'feature chat', 'a,b,c,d,e,f,g,h,i,j,k']) {
        const response = await postJson(path, apiKey, body, { 'x-tollgate-tags': header });
        expect(response.status).toBe(400);
        const refusal = await response.json();
        if (path.startsWith('/api/anthropic')) {
          expect(refusal).toMatchObject({
            type: 'error',
            error: { type: 'invalid_request_error' },
          });
          expect(refusal.error.message).toContain('x-tollgate-tags');
        } else {
          expect(refusal.error).toMatchObject({
            code: 'invalid_request',
            param: 'x-tollgate-tags',
          });
        }
      }
      await expectNothingRecorded(apiKey);
    },
  );

  it('refuses bad metadata on /api/v1 through the openai client, and records nothing', async () => {
    const apiKey = await newKey();
    const client = openai(apiKey);
    const refusals = await Promise.all([
      client.chat.completions
        .create({ model: 'test/priced', messages: question, metadata: { Team: 'search' } })
        .catch((error: unknown) => error),
      client.responses
        .create({ model: 'test/priced', input: 'hi', metadata: { team: 'Search Team' } })
        .catch((error: unknown) => error),
    ]);
    expect(refusals[0]).toMatchObject({
      status: 400,
      code: 'invalid_request',
      param: 'metadata.Team',
    });
    expect(refusals[1]).toMatchObject({
      status: 400,
      code: 'invalid_request',
      param: 'metadata.team',
    });
    await expectNothingRecorded(apiKey);
  });

  it('a plan that requires a tag refuses a request without it, and serves one with it', async () => {
    const apiKey = await newKey('featureRequired');
    const client = openai(apiKey);
    for (const [path, body] of Object.entries(chatBodies)) {
      const response = await postJson(path, apiKey, body, { 'x-tollgate-tags': 'env:prod' });
      expect(response.status, path).toBe(400);
      expect(await response.text(), path).toContain('x-tollgate-tags');
    }
    await expectNothingRecorded(apiKey);

    const viaHeader = await postJson('/api/chat', apiKey, chatBodies['/api/chat'], {
      'x-tollgate-tags': 'feature:chat',
    });
    expect(viaHeader.status).toBe(200);
    const viaMetadata = await client.chat.completions.create({
      model: 'test/priced',
      messages: question,
      metadata: { feature: 'search' },
    });
    expect(viaMetadata.choices[0]?.message.content).toBeTruthy();
    // `feature` is a key: `features:x` does not carry it.
    const lookalike = await postJson('/api/chat', apiKey, chatBodies['/api/chat'], {
      'x-tollgate-tags': 'features:x',
    });
    expect(lookalike.status).toBe(400);
    expect((await settledTotals(app, apiKey, 2)).requests).toBe(2);
  });
});

describe('POST /api/count-tokens', () => {
  it("equals the tokenizer's count for the same input", async () => {
    const apiKey = await newKey();
    const text =
      'Tollgate counts tokens with the same tokenizer its budgets use: ünïcödé, 数字, 🙂.';
    const counted = await postJson('/api/count-tokens', apiKey, { model: 'test/priced', text });
    expect(counted.status).toBe(200);
    expect(await counted.json()).toEqual({ model: 'test/priced', inputTokens: countTokens(text) });

    const messages = [
      { role: 'user', content: 'What is a token?' },
      { role: 'assistant', content: 'A piece of text.' },
      { role: 'user', parts: [{ type: 'text', text }] },
    ];
    const system = 'Answer briefly.';
    const prompt = await postJson('/api/count-tokens', apiKey, {
      model: 'demo/instant',
      messages,
      system,
    });
    const { inputTokens } = (await prompt.json()) as { inputTokens: number };
    expect(inputTokens).toBe(
      estimatePromptTokens(
        [
          { content: 'What is a token?' },
          { content: 'A piece of text.' },
          { content: [{ type: 'text', text }] },
        ],
        system,
      ),
    );
    // The demo model reports the tokenizer's count of its prompt: the same number.
    const answered = await postJson('/api/chat', apiKey, {
      model: 'demo/instant',
      messages,
      system,
      stream: false,
    });
    expect(((await answered.json()) as { usage: { inputTokens: number } }).usage.inputTokens).toBe(
      inputTokens,
    );
    // Counting calls no provider and records nothing.
    expect(upstream.requests).toHaveLength(0);
    expect((await settledTotals(app, apiKey, 1)).requests).toBe(1);
  });

  it('answers 404 for an unknown model and 400 for a bad body', async () => {
    const apiKey = await newKey();
    const unknown = await postJson('/api/count-tokens', apiKey, {
      model: 'nope/nothing',
      text: 'x',
    });
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error).toMatchObject({ code: 'model_not_found', param: 'model' });
    for (const body of [
      { model: 'test/priced' },
      { model: 'test/priced', text: 'a', messages: question },
      { model: 'test/priced', text: 3 },
      { text: 'a' },
    ]) {
      const response = await postJson('/api/count-tokens', apiKey, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect((await response.json()).error.code).toBe('invalid_request');
    }
    const anonymous = await fetch(`${app.url}/api/count-tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'test/priced', text: 'a' }),
    });
    expect(anonymous.status).toBe(401);
  });
});

describe('GET /api/models/{id}', () => {
  it('answers the catalog entry of /api/models, the id as segments or percent-encoded', async () => {
    const { models } = (await (await fetch(`${app.url}/api/models`)).json()) as {
      models: { id: string }[];
    };
    for (const id of ['test/priced', 'demo/chat']) {
      const entry = models.find((model) => model.id === id);
      expect(entry).toBeDefined();
      for (const path of [id, encodeURIComponent(id)]) {
        const response = await fetch(`${app.url}/api/models/${path}`);
        expect(response.status, path).toBe(200);
        expect(await response.json()).toEqual(entry);
      }
    }
    expect(models.find((model) => model.id === 'test/priced')).toMatchObject({ pricing });
  });

  it('answers 404 for an unknown id', async () => {
    for (const path of ['nope/nothing', 'test', 'test/priced/extra']) {
      const response = await fetch(`${app.url}/api/models/${path}`);
      expect(response.status, path).toBe(404);
      expect((await response.json()).error.code).toBe('model_not_found');
    }
  });
});

describe('GET /api/usage/records', () => {
  /** A tagged /api/chat request on the free demo model; resolves to its request id. */
  async function ask(apiKey: string, index: number) {
    const response = await postJson(
      '/api/chat',
      apiKey,
      {
        model: 'demo/instant',
        messages: [{ role: 'user', content: `question ${index}` }],
        stream: false,
      },
      { 'x-tollgate-tags': index % 2 ? 'parity:odd' : 'parity:even' },
    );
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    return response.headers.get('x-request-id') as string;
  }

  it('records paginate without gaps or repeats while new requests arrive', async () => {
    const apiKey = await newKey();
    const before: string[] = [];
    for (let index = 0; index < 8; index++) before.push(await ask(apiKey, index));
    let settled = await settledTotals(app, apiKey, before.length);
    expect(settled.requests).toBe(8);

    const seen: Records['records'] = [];
    let cursor: string | null = null;
    let sent = before.length;
    let pages = 0;
    do {
      const query = `limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = (await (await getJson(`/api/usage/records?${query}`, apiKey)).json()) as Records;
      seen.push(...page.records);
      cursor = page.nextCursor;
      pages++;
      // Two new requests, settled, before the next page is read.
      await ask(apiKey, sent++);
      await ask(apiKey, sent++);
      settled = await settledTotals(app, apiKey, sent);
      expect(settled.requests).toBe(sent);
    } while (cursor);

    expect(pages).toBe(3);
    expect(seen.map((record) => record.id).sort()).toEqual([...before].sort());
    const times = seen.map((record) => record.at);
    expect(times).toEqual([...times].sort((a, b) => b - a));

    // The newest page now starts with what arrived meanwhile.
    const first = (await (await getJson('/api/usage/records?limit=200', apiKey)).json()) as Records;
    expect(first.records).toHaveLength(sent);
    expect(first.nextCursor).toBeNull();
  });

  it('filters by tag, model, status and time, and lets only an admin read another user', async () => {
    const apiKey = await newKey();
    const ids = [await ask(apiKey, 1), await ask(apiKey, 2), await ask(apiKey, 3)];
    await settledTotals(app, apiKey, 3);
    const read = async (query: string, key = apiKey) =>
      (await (await getJson(`/api/usage/records?${query}`, key)).json()) as Records;
    expect((await read('tag=parity:odd')).records.map((record) => record.id).sort()).toEqual(
      [ids[0], ids[2]].sort(),
    );
    expect((await read('model=demo/instant&status=ok')).records).toHaveLength(3);
    expect((await read('status=error')).records).toHaveLength(0);
    const all = await read('');
    const newest = all.records[0] as Records['records'][number];
    expect((await read(`from=${newest.at}`)).records.map((record) => record.id)).toContain(
      newest.id,
    );
    expect(
      (await read(`to=${new Date(newest.at).toISOString()}`)).records.map((r) => r.id),
    ).not.toContain(newest.id);

    const userId = (await (await getJson('/api/limits', apiKey)).json()).userId as string;
    const other = await newKey();
    expect((await getJson(`/api/usage/records?userId=${userId}`, other)).status).toBe(403);
    expect((await read(`userId=${userId}`, testAdminToken)).records).toHaveLength(3);
  });

  it.each([
    'limit=0',
    'limit=1000',
    'cursor=not-a-cursor',
    'status=finished',
    'tag=Not%20A%20Tag',
    'from=last-week',
    'from=2026-12-02&to=2026-12-01',
  ])('refuses ?%s with a 400 naming the parameter', async (query) => {
    const apiKey = await newKey();
    const response = await getJson(`/api/usage/records?${query}`, apiKey);
    expect(response.status).toBe(400);
    const { error } = await response.json();
    expect(error.code).toBe('invalid_request');
    const name = query.split('&').at(-1)?.split('=')[0];
    expect(error.param).toBe(name);
  });
});
