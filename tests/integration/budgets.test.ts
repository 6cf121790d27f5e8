import { Redis } from '@upstash/redis';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { estimatePromptTokens } from '@/lib/tokens';
import { type OpenAIUpstream, startOpenAIUpstream } from '../doubles/openai-upstream';
import { startTestApp, type TestApp } from '../support/app';

let upstream: OpenAIUpstream;
let app: TestApp;
let redis: Redis;

const question = [{ role: 'user' as const, content: 'Tell me a long story.' }];
// The upstream reports exactly what the gateway estimates, so the bounds below are exact; the
// estimate's error is the only slack the contract allows.
const inputEstimate = estimatePromptTokens(question);
const prices = { inputPerMTok: 1, outputPerMTok: 2 };

beforeAll(async () => {
  upstream = await startOpenAIUpstream();
  app = await startTestApp({
    gatewayConfig: {
      providers: { upstream: { type: 'openai-compatible', baseURL: upstream.baseURL } },
      models: {
        'test/priced': { targets: [{ provider: 'upstream', model: 'p' }], pricing: prices },
        'test/unpriced': { targets: [{ provider: 'upstream', model: 'u' }] },
      },
      plans: {
        fiveThousandTokens: { tokensPerMonth: 5000 },
        fiveThousandMicroDollars: { spendPerMonthUsd: 0.005 },
        roomy: { tokensPerMonth: 1_000_000, spendPerMonthUsd: 100, concurrentRequests: 1 },
      },
    },
  });
  redis = new Redis({ url: app.bridge.url, token: app.redisToken, enableAutoPipelining: false });
});
afterAll(async () => {
  await app?.stop();
  await upstream?.close();
});
beforeEach(() => {
  upstream.reset();
  upstream.setBehavior({ promptTokens: inputEstimate });
});

function client(key: string) {
  return new OpenAI({ baseURL: `${app.url}/api/v1`, apiKey: key, maxRetries: 0 });
}

async function usageOf(key: string) {
  return (
    await fetch(`${app.url}/api/usage?period=month`, {
      headers: { authorization: `Bearer ${key}` },
    })
  ).json();
}

async function limitsOf(key: string) {
  return (
    await fetch(`${app.url}/api/limits`, { headers: { authorization: `Bearer ${key}` } })
  ).json();
}

/** Settlement runs after the response; wait until the usage shows `requests`. */
async function settledUsage(key: string, requests: number) {
  for (let attempt = 0; attempt < 100; attempt++) {
    const usage = await usageOf(key);
    if (usage.totals.requests >= requests) return usage;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`usage never reached ${requests} requests`);
}

/** Streams one completion with include_usage; resolves to its status and reported usage. */
async function streamCompletion(key: string, maxTokens: number) {
  try {
    const stream = await client(key).chat.completions.create({
      model: 'test/priced',
      messages: question,
      max_tokens: maxTokens,
      stream: true,
      stream_options: { include_usage: true },
    });
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
    return { status: 200, usage };
  } catch (error) {
    return { status: (error as { status: number }).status, usage: undefined };
  }
}

async function openReservations(userId: string) {
  return redis.zcard(`tg:reservations:${userId}`);
}

describe('hard budgets under concurrency', () => {
  it('50 concurrent 400-token streams never overshoot a 5,000-token monthly budget', async () => {
    upstream.setBehavior({ chunkCount: 400, promptTokens: inputEstimate });
    const key = await app.createKey({ userId: 'token-budget-user', plan: 'fiveThousandTokens' });
    const results = await Promise.all(Array.from({ length: 50 }, () => streamCompletion(key, 400)));
    const admitted = results.filter((result) => result.status === 200);
    expect(results.filter((result) => result.status === 402)).toHaveLength(50 - admitted.length);
    expect(admitted.length).toBeGreaterThanOrEqual(12);

    const usage = await settledUsage(key, admitted.length);
    const recorded = usage.totals.inputTokens + usage.totals.outputTokens;
    expect(recorded).toBeLessThanOrEqual(5000);
    expect(recorded).toBeGreaterThan(5000 - 16 - inputEstimate);
    expect(usage.totals.requests).toBe(admitted.length);
    const reported = admitted.reduce((sum, result) => sum + (result.usage?.total_tokens ?? 0), 0);
    expect(recorded).toBe(reported);
    expect(await openReservations('token-budget-user')).toBe(0);

    const next = await streamCompletion(key, 400);
    expect(next.status).toBe(402);
  });

  it('50 concurrent streams never overshoot a dollar budget', async () => {
    upstream.setBehavior({ chunkCount: 400, promptTokens: inputEstimate });
    const key = await app.createKey({
      userId: 'dollar-budget-user',
      plan: 'fiveThousandMicroDollars',
    });
    const results = await Promise.all(Array.from({ length: 50 }, () => streamCompletion(key, 400)));
    const admitted = results.filter((result) => result.status === 200);
    expect(admitted.length).toBeGreaterThanOrEqual(6);
    expect(results.filter((result) => result.status === 402)).toHaveLength(50 - admitted.length);

    const usage = await settledUsage(key, admitted.length);
    const expectedMicro = admitted.reduce(
      (sum, result) =>
        sum +
        (result.usage?.prompt_tokens ?? 0) * prices.inputPerMTok +
        (result.usage?.completion_tokens ?? 0) * prices.outputPerMTok,
      0,
    );
    expect(Math.round(usage.totals.costUsd * 1e6)).toBe(expectedMicro);
    expect(usage.totals.costUsd).toBeLessThanOrEqual(0.005);
    expect(await openReservations('dollar-budget-user')).toBe(0);
  });

  it('refuses a model without a price to a plan with a dollar budget', async () => {
    const key = await app.createKey({ userId: 'unpriced-user', plan: 'fiveThousandMicroDollars' });
    const error = await client(key)
      .chat.completions.create({ model: 'test/unpriced', messages: question })
      .catch((caught) => caught);
    expect(error.status).toBe(400);
    expect(error.message).toContain('no known price');
    expect(upstream.requests).toHaveLength(0);
  });
});

describe('settlement on every ending', () => {
  it('bills an aborted stream the input plus the chunks streamed, and frees its lease and reservation', async () => {
    upstream.setBehavior({ chunkCount: 100, chunkDelayMs: 30, promptTokens: inputEstimate });
    const key = await app.createKey({ userId: 'aborting-user', plan: 'roomy' });
    const controller = new AbortController();
    const response = await fetch(`${app.url}/api/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: 'test/priced', stream: true, messages: question }),
      signal: controller.signal,
    });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let seen = '';
    while ((seen.match(/"content":"[^"]/g) ?? []).length < 10)
      seen += decoder.decode((await reader.read()).value);
    controller.abort();

    const usage = await settledUsage(key, 1);
    expect(usage.totals.inputTokens).toBe(inputEstimate);
    expect(usage.totals.outputTokens).toBeGreaterThanOrEqual(10);
    expect(usage.totals.outputTokens).toBeLessThanOrEqual(14);
    expect(usage.recent[0]).toMatchObject({ status: 'aborted', model: 'test/priced' });
    expect(await openReservations('aborting-user')).toBe(0);
    const limits = await limitsOf(key);
    expect(limits.limits.concurrentRequests.used).toBe(0);
    upstream.setBehavior({ chunkCount: 2, chunkDelayMs: 0 });
    expect((await streamCompletion(key, 50)).status).toBe(200);
  });

  it('bills a relayed non-streaming call the client abandons its input estimate, and frees its lease', async () => {
    // The upstream is generating (a non-streaming answer comes whole, after 20 × 50 ms).
    upstream.setBehavior({ chunkCount: 20, chunkDelayMs: 50, promptTokens: inputEstimate });
    const key = await app.createKey({ userId: 'abandoning-user', plan: 'roomy' });
    const controller = new AbortController();
    const pending = fetch(`${app.url}/api/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: 'test/priced', messages: question }),
      signal: controller.signal,
    }).catch(() => undefined);
    await upstream.waitForRequests(1, 5_000);
    controller.abort();
    await pending;
    await upstream.waitForClose(0, 5_000);

    const usage = await settledUsage(key, 1);
    expect(usage.totals).toMatchObject({ inputTokens: inputEstimate, outputTokens: 0 });
    expect(usage.recent[0]).toMatchObject({ status: 'aborted' });
    expect(await openReservations('abandoning-user')).toBe(0);
    expect((await limitsOf(key)).limits.concurrentRequests.used).toBe(0);
  });

  it('leaves no reservation and no usage when the upstream fails before the first token', async () => {
    upstream.setBehavior({ status: 500 });
    const key = await app.createKey({ userId: 'failing-upstream-user', plan: 'roomy' });
    const result = await streamCompletion(key, 100);
    expect(result.status).toBe(502);
    // The failed request's record and its release are written together, after the reply.
    await expect.poll(async () => (await usageOf(key)).recent.length).toBeGreaterThan(0);
    const usage = await usageOf(key);
    expect(usage.totals).toMatchObject({
      requests: 0,
      inputTokens: 0,
      outputTokens: 0,
      costUsd: 0,
    });
    expect(usage.recent[0]).toMatchObject({ status: 'error', inputTokens: 0, outputTokens: 0 });
    expect(await openReservations('failing-upstream-user')).toBe(0);
    expect((await limitsOf(key)).limits.concurrentRequests.used).toBe(0);
  });

  it('records usage and limits equal to the sums the upstream reported', async () => {
    const key = await app.createKey({ userId: 'summing-user', plan: 'roomy' });
    const calls = [
      { promptTokens: 11, chunkCount: 3, stream: true },
      { promptTokens: 40, chunkCount: 9, stream: false },
      { promptTokens: 7, chunkCount: 25, stream: true },
    ];
    for (const call of calls) {
      upstream.setBehavior({ promptTokens: call.promptTokens, chunkCount: call.chunkCount });
      await client(key)
        .chat.completions.create({ model: 'test/priced', messages: question, stream: call.stream })
        .then(async (reply) => {
          if (call.stream)
            for await (const _ of reply as AsyncIterable<unknown>) {
            }
        });
    }
    const input = calls.reduce((sum, call) => sum + call.promptTokens, 0);
    const output = calls.reduce((sum, call) => sum + call.chunkCount, 0);
    const usage = await settledUsage(key, calls.length);
    expect(usage.totals).toMatchObject({
      requests: 3,
      inputTokens: input,
      outputTokens: output,
      costUsd: (input * prices.inputPerMTok + output * prices.outputPerMTok) / 1e6,
    });
    expect(usage.byModel).toEqual([
      expect.objectContaining({
        model: 'test/priced',
        requests: 3,
        inputTokens: input,
        outputTokens: output,
      }),
    ]);
    const limits = await limitsOf(key);
    expect(limits.limits.tokensPerMonth).toMatchObject({ limit: 1_000_000, used: input + output });
    expect(limits.limits.spendPerMonthUsd.used).toBeCloseTo((input + 2 * output) / 1e6, 9);
  });
});
