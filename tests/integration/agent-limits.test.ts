import { Redis } from '@upstash/redis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { estimatePromptTokens } from '@/lib/tokens';
import { type AnthropicUpstream, startAnthropicUpstream } from '../doubles/anthropic-upstream';
import type { UpstreamBehavior } from '../doubles/http-double';
import {
  closedPortUrl,
  type OpenAIUpstream,
  startOpenAIUpstream,
} from '../doubles/openai-upstream';
import { startTestApp, type TestApp } from '../support/app';

// The budget, concurrency, rate-limit and failover guarantees of the chat endpoints, on the
// two agent endpoints, each in its own wire protocol, translated and relayed.

let upstream: OpenAIUpstream;
let anthropic: AnthropicUpstream;
let app: TestApp;
let redis: Redis;

const story = 'Tell me a long story.';
// Both protocols turn the question into the same one user message, so the estimate is exact.
const inputEstimate = estimatePromptTokens([{ content: story }]);

interface ServerEvent {
  event: string;
  data: Record<string, unknown>;
}

interface Protocol {
  name: string;
  /** What the request log records as the API. */
  api: string;
  /** The provider that speaks the protocol, and so relays it. */
  relayProvider: string;
  path: string;
  body(options: { model: string; maxTokens: number; stream: boolean }): unknown;
  /** Total tokens the stream reported in its closing event, if it closed cleanly. */
  reportedTokens(events: ServerEvent[]): number | undefined;
  /** The event a clean stream ends with, and the one a failed stream ends with. */
  finished: string;
  failed: string;
  /** Whether an SSE event carries text. */
  isText(event: ServerEvent): boolean;
  errorType(body: unknown): string | undefined;
}

const protocols: Protocol[] = [
  {
    name: 'Anthropic Messages',
    api: 'anthropic',
    relayProvider: 'anthropic',
    path: '/api/anthropic/v1/messages',
    body: ({ model, maxTokens, stream }) => ({
      model,
      max_tokens: maxTokens,
      stream,
      messages: [{ role: 'user', content: story }],
    }),
    reportedTokens(events) {
      const delta = events.find((event) => event.event === 'message_delta');
      const usage = delta?.data.usage as Record<string, number> | undefined;
      if (!usage || !events.some((event) => event.event === 'message_stop')) return undefined;
      return (
        (usage.input_tokens ?? 0) +
        (usage.cache_read_input_tokens ?? 0) +
        (usage.cache_creation_input_tokens ?? 0) +
        (usage.output_tokens ?? 0)
      );
    },
    finished: 'message_stop',
    failed: 'error',
    isText: (event) => event.event === 'content_block_delta',
    errorType: (body) => (body as { type?: string; error?: { type?: string } }).error?.type,
  },
  {
    name: 'OpenAI Responses',
    api: 'responses',
    relayProvider: 'openai',
    path: '/api/v1/responses',
    body: ({ model, maxTokens, stream }) => ({
      model,
      max_output_tokens: maxTokens,
      stream,
      input: story,
    }),
    reportedTokens(events) {
      // A stream clamped by the budget stops at its cap: `response.incomplete`, usage included.
      const completed = events.find(
        (event) => event.event === 'response.completed' || event.event === 'response.incomplete',
      );
      const response = completed?.data.response as { usage?: { total_tokens: number } } | undefined;
      return response?.usage?.total_tokens;
    },
    finished: 'response.completed',
    failed: 'response.failed',
    isText: (event) => event.event === 'response.output_text.delta',
    errorType: (body) => (body as { error?: { type?: string } }).error?.type,
  },
];

beforeAll(async () => {
  upstream = await startOpenAIUpstream();
  anthropic = await startAnthropicUpstream();
  const pricing = { inputPerMTok: 1, outputPerMTok: 2 };
  // Per protocol: `upstream` translates; `anthropic` and `openai` speak it, so they relay.
  const models: Record<string, unknown> = {};
  for (const provider of ['upstream', 'anthropic', 'openai']) {
    models[`test/${provider}`] = { targets: [{ provider, model: 'p' }], pricing };
    models[`test/${provider}-failover`] = {
      targets: [
        { provider: `${provider}-down`, model: 'gone' },
        { provider, model: 'p' },
      ],
      pricing,
    };
  }
  const closed = await closedPortUrl();
  app = await startTestApp({
    gatewayConfig: {
      providers: {
        upstream: { type: 'openai-compatible', baseURL: upstream.baseURL },
        'upstream-down': { type: 'openai-compatible', baseURL: closed },
        openai: { type: 'openai', baseURL: upstream.baseURL, apiKey: 'openai-key' },
        'openai-down': { type: 'openai', baseURL: closed, apiKey: 'openai-key' },
        anthropic: { type: 'anthropic', baseURL: anthropic.baseURL, apiKey: 'anthropic-key' },
        'anthropic-down': { type: 'anthropic', baseURL: closed, apiKey: 'anthropic-key' },
      },
      models,
      plans: {
        fiveThousandTokens: { tokensPerMonth: 5000 },
        twoPerMinute: { requestsPerMinute: 2 },
        roomy: { tokensPerMonth: 1_000_000, concurrentRequests: 1 },
      },
    },
  });
  redis = new Redis({ url: app.bridge.url, token: app.redisToken, enableAutoPipelining: false });
});
afterAll(async () => {
  await app?.stop();
  await upstream?.close();
  await anthropic?.close();
});
beforeEach(() => {
  upstream.reset();
  anthropic.reset();
  setBehavior({ promptTokens: inputEstimate });
});

/** Both doubles answer alike, whichever the route reaches. */
function setBehavior(behavior: Partial<UpstreamBehavior>) {
  upstream.setBehavior(behavior);
  anthropic.setBehavior(behavior);
}

const upstreamRequests = () => upstream.requests.length + anthropic.requests.length;

function parseEvents(text: string): ServerEvent[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim())
    .map((block) => {
      const event = /^event: (.+)$/m.exec(block)?.[1] ?? '';
      const data = /^data: (.+)$/m.exec(block)?.[1] ?? '{}';
      return { event, data: JSON.parse(data) as Record<string, unknown> };
    });
}

function post(protocol: Protocol, key: string, body: unknown, signal?: AbortSignal) {
  return fetch(`${app.url}${protocol.path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
    signal,
  });
}

async function streamOnce(protocol: Protocol, key: string, model: string, maxTokens: number) {
  const response = await post(protocol, key, protocol.body({ model, maxTokens, stream: true }));
  const text = await response.text();
  if (response.status !== 200) return { status: response.status, events: [], body: text };
  return { status: 200, events: parseEvents(text), body: text };
}

async function settledUsage(key: string, requests: number) {
  for (let attempt = 0; attempt < 100; attempt++) {
    const usage = await (
      await fetch(`${app.url}/api/usage?period=month`, {
        headers: { authorization: `Bearer ${key}` },
      })
    ).json();
    if (usage.totals.requests >= requests) return usage;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`usage never reached ${requests} requests`);
}

const userId = (label: string) => `${label}-${crypto.randomUUID()}`;

const routes = protocols.flatMap((protocol) => [
  { protocol, way: 'translated', provider: 'upstream' },
  { protocol, way: 'relayed', provider: protocol.relayProvider },
]);

for (const { protocol, way, provider } of routes) {
  const model = `test/${provider}`;
  describe(`${protocol.name}, ${way}: limits and routing as for chat`, () => {
    it('50 concurrent 400-token streams never overshoot a 5,000-token monthly budget', async () => {
      setBehavior({ chunkCount: 400, promptTokens: inputEstimate });
      const id = userId('agent-budget');
      const key = await app.createKey({ userId: id, plan: 'fiveThousandTokens' });
      const results = await Promise.all(
        Array.from({ length: 50 }, () => streamOnce(protocol, key, model, 400)),
      );
      const admitted = results.filter((result) => result.status === 200);
      expect(results.filter((result) => result.status === 402)).toHaveLength(50 - admitted.length);
      expect(admitted.length).toBeGreaterThanOrEqual(12);
      const refusal = results.find((result) => result.status === 402);
      if (refusal) expect(protocol.errorType(JSON.parse(refusal.body))).toBeTruthy();

      const usage = await settledUsage(key, admitted.length);
      const recorded = usage.totals.inputTokens + usage.totals.outputTokens;
      expect(recorded).toBeLessThanOrEqual(5000);
      expect(recorded).toBeGreaterThan(5000 - 16 - inputEstimate);
      const reported = admitted.reduce(
        (sum, result) => sum + (protocol.reportedTokens(result.events) ?? 0),
        0,
      );
      expect(recorded).toBe(reported);
      expect(await redis.zcard(`tg:reservations:${id}`)).toBe(0);
    });

    it('bills an aborted stream the input plus what was streamed, and frees its lease', async () => {
      setBehavior({ chunkCount: 100, chunkDelayMs: 30, promptTokens: inputEstimate });
      const id = userId('agent-abort');
      const key = await app.createKey({ userId: id, plan: 'roomy' });
      const controller = new AbortController();
      const response = await post(
        protocol,
        key,
        protocol.body({ model: model, maxTokens: 200, stream: true }),
        controller.signal,
      );
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      let seen = '';
      while (parseEvents(seen).filter(protocol.isText).length < 10)
        seen += decoder.decode((await reader.read()).value);
      controller.abort();

      const usage = await settledUsage(key, 1);
      expect(usage.totals.inputTokens).toBe(inputEstimate);
      expect(usage.totals.outputTokens).toBeGreaterThanOrEqual(10);
      expect(usage.totals.outputTokens).toBeLessThanOrEqual(14);
      expect(usage.recent[0]).toMatchObject({ status: 'aborted', api: protocol.api, provider });
      expect(await redis.zcard(`tg:reservations:${id}`)).toBe(0);
      const limits = await (
        await fetch(`${app.url}/api/limits`, { headers: { authorization: `Bearer ${key}` } })
      ).json();
      expect(limits.limits.concurrentRequests.used).toBe(0);
    });

    it(`answers a 429 in the protocol's own error shape, with Retry-After`, async () => {
      setBehavior({ chunkCount: 2 });
      const key = await app.createKey({ userId: userId('agent-rate'), plan: 'twoPerMinute' });
      const body = protocol.body({ model: model, maxTokens: 50, stream: false });
      expect((await post(protocol, key, body)).status).toBe(200);
      expect((await post(protocol, key, body)).status).toBe(200);
      const denied = await post(protocol, key, body);
      expect(denied.status).toBe(429);
      expect(Number(denied.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(denied.headers.get('x-ratelimit-remaining-requests')).toBe('0');
      const error = await denied.json();
      expect(protocol.errorType(error)).toBe('rate_limit_error');
      if (protocol.name === 'Anthropic Messages') expect(error.type).toBe('error');
      expect(upstreamRequests()).toBe(2);
    });

    it('fails over before the first byte to the next target', async () => {
      const key = await app.createKey({ userId: userId('agent-failover'), plan: 'roomy' });
      const response = await post(
        protocol,
        key,
        protocol.body({ model: `${model}-failover`, maxTokens: 50, stream: true }),
      );
      expect(response.status).toBe(200);
      expect(response.headers.get('x-tollgate-provider')).toBe(provider);
      const events = parseEvents(await response.text());
      expect(events.at(-1)?.event).toBe(protocol.finished);
    });

    it('ends a stream cut mid-answer with an explicit error event, never a clean finish', async () => {
      setBehavior({ chunkCount: 20, cutAfterChunks: 5 });
      const key = await app.createKey({ userId: userId('agent-cut'), plan: 'roomy' });
      const result = await streamOnce(protocol, key, model, 100);
      expect(result.status).toBe(200);
      expect(result.events.filter(protocol.isText)).toHaveLength(5);
      expect(result.events.at(-1)?.event).toBe(protocol.failed);
      expect(result.events.some((event) => event.event === protocol.finished)).toBe(false);
      const usage = await settledUsage(key, 1);
      expect(usage.totals.outputTokens).toBe(5);
      expect(usage.recent[0]).toMatchObject({ status: 'error' });
    });
  });
}
