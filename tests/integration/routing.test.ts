import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type GatewayUpstream, startGatewayUpstream } from '../doubles/gateway-upstream';
import {
  closedPortUrl,
  contentText,
  type OpenAIUpstream,
  startOpenAIUpstream,
} from '../doubles/openai-upstream';
import { startTestApp, type TestApp } from '../support/app';

let primary: OpenAIUpstream;
let secondary: OpenAIUpstream;
let gateway: GatewayUpstream;
let app: TestApp;
let apiKey: string;

const firstTokenTimeoutMs = 1_000;
const circuitCooldownMs = 4_000;
const price = { inputPerMTok: 1, outputPerMTok: 2 };
const cheap = { inputPerMTok: 0.5, outputPerMTok: 1 };
// Each scenario has its own upstream model id, so its own circuit: no test trips another's.
const scenarios = [
  '500',
  '503',
  '429',
  'refused',
  'hang',
  '400',
  '401',
  'circuit',
  'circuit-v1',
  'down',
  'slow',
  'cut',
];

beforeAll(async () => {
  [primary, secondary, gateway] = await Promise.all([
    startOpenAIUpstream(),
    startOpenAIUpstream(),
    startGatewayUpstream(),
  ]);
  const models: Record<string, unknown> = {
    'test/cheap': { targets: [{ provider: 'secondary', model: 'cheap' }], pricing: cheap },
    'test/with-fallback': {
      targets: [{ provider: 'primary', model: 'fb' }],
      fallbacks: ['test/cheap'],
      pricing: price,
    },
    'gw/routed': {
      targets: [{ provider: 'gateway', model: 'openai/gpt-5.4' }],
      pricing: price,
      gateway: {
        order: ['bedrock', 'openai'],
        models: ['anthropic/claude-sonnet-4.6'],
        tags: ['team-a'],
      },
    },
  };
  models['test/retry-after'] = { targets: [{ provider: 'primary', model: 'ra' }], pricing: price };
  for (const scenario of scenarios) {
    models[`test/${scenario}`] = {
      targets: [
        { provider: scenario === 'refused' ? 'dead' : 'primary', model: `m-${scenario}` },
        { provider: 'secondary', model: `m-${scenario}` },
      ],
      pricing: price,
    };
  }
  app = await startTestApp({
    gatewayConfig: {
      providers: {
        primary: {
          type: 'openai-compatible',
          baseURL: primary.baseURL,
          apiKey: 'primary-secret-key',
        },
        secondary: {
          type: 'openai-compatible',
          baseURL: secondary.baseURL,
          apiKey: 'secondary-secret-key',
        },
        dead: { type: 'openai-compatible', baseURL: await closedPortUrl() },
        gateway: { type: 'gateway', baseURL: gateway.baseURL, apiKey: 'gateway-secret-key' },
      },
      models,
      plans: { roomy: { tokensPerMonth: 10_000_000, spendPerMonthUsd: 1000 } },
      routing: {
        firstTokenTimeoutMs,
        circuitFailureThreshold: 3,
        circuitWindowMs: 60_000,
        circuitCooldownMs,
      },
    },
  });
  apiKey = await app.createKey({ userId: 'routing-user', plan: 'roomy' });
});
afterAll(async () => {
  await app?.stop();
  await Promise.all([primary?.close(), secondary?.close(), gateway?.close()]);
});
beforeEach(() => {
  primary.reset();
  secondary.reset();
  gateway.reset();
});

function chat(model: string, extra: Record<string, unknown> = {}) {
  return fetch(`${app.url}/api/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({
      model,
      stream: false,
      messages: [{ role: 'user', content: 'hi' }],
      ...extra,
    }),
  });
}

/** The same request through /api/v1 (relayed to these OpenAI-style targets). */
function completion(model: string) {
  return fetch(`${app.url}/api/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });
}

/** Both paths: the translated one (/api/chat, AI SDK) and the relayed one (/api/v1). */
const paths = [
  {
    path: 'translated (/api/chat)',
    send: chat,
    textOf: (body: { text: string }) => body.text,
    suffix: '',
  },
  {
    path: 'relayed (/api/v1)',
    send: completion,
    textOf: (body: { choices: Array<{ message: { content: string } }> }) =>
      body.choices[0]?.message.content,
    suffix: '-v1',
  },
];

async function recentRequests(key = apiKey, userId?: string) {
  const query = userId ? `?userId=${userId}` : '';
  const usage = await (
    await fetch(`${app.url}/api/usage${query}`, { headers: { authorization: `Bearer ${key}` } })
  ).json();
  return usage.recent as Array<Record<string, unknown>>;
}

async function waitForRecent(predicate: (entry: Record<string, unknown>) => boolean) {
  for (let attempt = 0; attempt < 60; attempt++) {
    const entry = (await recentRequests()).find(predicate);
    if (entry) return entry;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the request never reached the log');
}

describe.each(paths)('failover before the first token, $path', ({ send, textOf }) => {
  it.each(['500', '503', '429'])(
    'serves from the second target when the first answers %s',
    async (status) => {
      primary.setBehavior({ status: Number(status) });
      const response = await send(`test/${status}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-tollgate-provider')).toBe('secondary');
      expect(textOf(await response.json())).toBe(contentText(5));
      expect(primary.requests).toHaveLength(1);
      expect(secondary.requests).toHaveLength(1);
    },
  );

  it('serves from the second target when the first refuses connections', async () => {
    const response = await send('test/refused');
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('secondary');
  });

  it('moves on from a target that hangs before its first byte, within the timeout plus a margin', async () => {
    primary.setBehavior({ hang: true });
    const startedAt = Date.now();
    const response = await send('test/hang');
    const elapsed = Date.now() - startedAt;
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('secondary');
    expect(elapsed).toBeGreaterThanOrEqual(firstTokenTimeoutMs - 50);
    expect(elapsed).toBeLessThan(firstTokenTimeoutMs + 1_500);
    await primary.waitForClose(0, 1_000);
  });

  it("returns a provider's 400 at once with its status and message, without trying the next target", async () => {
    primary.setBehavior({
      status: 400,
      errorBody: {
        error: {
          message: 'Unsupported value: temperature.',
          type: 'invalid_request_error',
          param: 'temperature',
          code: null,
        },
      },
    });
    const response = await send('test/400');
    expect(response.status).toBe(400);
    expect(response.headers.get('x-should-retry')).toBe('false');
    expect((await response.json()).error).toMatchObject({
      code: 'invalid_request',
      message: 'Unsupported value: temperature.',
    });
    expect(secondary.requests).toHaveLength(0);
  });

  it("answers a provider's 401 (the gateway's own key) as a 502 not to be retried, without trying the next target", async () => {
    primary.setBehavior({ status: 401 });
    const response = await send('test/401');
    expect(response.status).toBe(502);
    expect(response.headers.get('x-should-retry')).toBe('false');
    const error = (await response.json()).error;
    expect(error.code).toBe('upstream_error');
    expect(error.message).toContain('401');
    expect(secondary.requests).toHaveLength(0);
  });
});

describe('fallback models', () => {
  it('falls back to another model and bills at the price of the model that served', async () => {
    primary.setBehavior({ status: 503 });
    secondary.setBehavior({ promptTokens: 100, chunkCount: 10 });
    const response = await chat('test/with-fallback');
    expect(response.headers.get('x-tollgate-model')).toBe('test/cheap');
    const body = await response.json();
    expect(body).toMatchObject({ model: 'test/cheap', provider: 'secondary' });
    expect(body.costUsd).toBeCloseTo(
      (100 * cheap.inputPerMTok + 10 * cheap.outputPerMTok) / 1e6,
      12,
    );
    const entry = await waitForRecent((candidate) => candidate.model === 'test/cheap');
    expect(entry.costUsd).toBeCloseTo(body.costUsd, 12);
    expect(entry.attempts).toEqual([
      expect.objectContaining({
        model: 'test/with-fallback',
        provider: 'primary',
        outcome: 'failed',
        status: 503,
      }),
      expect.objectContaining({ model: 'test/cheap', provider: 'secondary', outcome: 'served' }),
    ]);
  });
});

describe("a provider's Retry-After", () => {
  it('is waited out when it is short and no other target is left', async () => {
    primary.setBehavior({ status: 429, retryAfter: '1' });
    const startedAt = Date.now();
    const pending = chat('test/retry-after');
    await primary.waitForRequests(1, 2_000);
    primary.setBehavior({ status: undefined, retryAfter: undefined });
    const response = await pending;
    expect(response.status).toBe(200);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(950);
    expect(primary.requests).toHaveLength(2);
  });

  it('is passed on to the client when it is long', async () => {
    primary.setBehavior({ status: 429, retryAfter: '30' });
    const startedAt = Date.now();
    const response = await chat('test/retry-after');
    expect(response.status).toBe(502);
    expect(response.headers.get('retry-after')).toBe('30');
    expect(Date.now() - startedAt).toBeLessThan(1_000);
    expect(primary.requests).toHaveLength(1);
  });
});

describe.each(paths)('when everything fails, $path', ({ send }) => {
  it('answers 502 upstream_error naming no secret when every target fails', async () => {
    primary.setBehavior({ status: 500 });
    secondary.setBehavior({ status: 503 });
    const response = await send('test/down');
    expect(response.status).toBe(502);
    const text = await response.text();
    expect(JSON.parse(text).error.code).toBe('upstream_error');
    for (const secret of [
      'primary-secret-key',
      'secondary-secret-key',
      primary.baseURL,
      secondary.baseURL,
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it('answers 504 upstream_timeout when every target times out', async () => {
    primary.setBehavior({ hang: true });
    secondary.setBehavior({ hang: true });
    const response = await send('test/slow');
    expect(response.status).toBe(504);
    expect((await response.json()).error.code).toBe('upstream_timeout');
  });
});

describe.each(paths)('circuit breaker, $path', ({ send, suffix }) => {
  it('opens after repeated failures, skips the target, then lets one probe through', async () => {
    const model = `test/circuit${suffix}`;
    const chat = send;
    primary.setBehavior({ status: 500 });
    for (let index = 0; index < 3; index++) expect((await chat(model)).status).toBe(200);
    expect(primary.requests).toHaveLength(3);
    const health = await (await fetch(`${app.url}/api/health`)).json();
    expect(health.circuits).toMatchObject({ [`primary/m-circuit${suffix}`]: 'open' });

    const skipped = await Promise.all(Array.from({ length: 50 }, () => chat(model)));
    expect(skipped.every((response) => response.status === 200)).toBe(true);
    expect(primary.requests).toHaveLength(3);

    // The probe answers slowly, so the other four are checked while it is still in flight; a
    // fast probe would close the circuit before the last of them and let it through, rightly.
    primary.setBehavior({ status: undefined, latencyMs: 400 });
    await new Promise((resolve) => setTimeout(resolve, circuitCooldownMs + 100));
    const probes = await Promise.all(Array.from({ length: 5 }, () => chat(model)));
    expect(probes.every((response) => response.status === 200)).toBe(true);
    expect(primary.requests).toHaveLength(4);

    const after = await chat(model);
    expect(after.headers.get('x-tollgate-provider')).toBe('primary');
    expect(primary.requests).toHaveLength(5);
  });
});

describe('a failure after streaming began', () => {
  it('shows the 5 chunks, then an error event and no [DONE], and bills the 5 chunks', async () => {
    primary.setBehavior({ chunkCount: 20, cutAfterChunks: 5 });
    const key = await app.createKey({ userId: 'cut-user', plan: 'roomy' });
    const response = await fetch(`${app.url}/api/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({
        model: 'test/cut',
        stream: true,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    });
    const events = (await response.text()).split('\n\n').filter(Boolean);
    const text = events
      .filter((event) => event.includes('"content"'))
      .map((event) => JSON.parse(event.slice(6)).choices[0].delta.content)
      .join('');
    expect(text).toBe(contentText(5));
    expect(JSON.parse(events.at(-1)?.slice(6) ?? '{}').error.code).toBe('upstream_error');
    expect(events).not.toContain('data: [DONE]');
    expect(secondary.requests).toHaveLength(0);

    for (let attempt = 0; attempt < 60; attempt++) {
      const usage = await (
        await fetch(`${app.url}/api/usage`, { headers: { authorization: `Bearer ${key}` } })
      ).json();
      if (usage.totals.requests === 1) {
        expect(usage.totals.outputTokens).toBe(5);
        expect(usage.recent[0].status).toBe('error');
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the cut request was never recorded');
  });
});

describe('the AI Gateway routing options', () => {
  it('passes order, models and tags from the config and the caller as user', async () => {
    const response = await chat('gw/routed');
    expect(response.status).toBe(200);
    const sent = gateway.requests.find((request) => request.path.endsWith('/language-model'));
    const body = sent?.body as { providerOptions: unknown } | undefined;
    expect(body?.providerOptions).toEqual({
      gateway: {
        order: ['bedrock', 'openai'],
        models: ['anthropic/claude-sonnet-4.6'],
        tags: ['team-a'],
        user: 'routing-user',
      },
    });
  });
});

describe('the AI Gateway relayed (/api/v1)', () => {
  it('gets the body at its /v1/chat/completions with the routing options and the caller as user', async () => {
    const response = await completion('gw/routed');
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('gateway');
    const sent = gateway.requests.find((request) => request.path === '/v1/chat/completions');
    expect(sent?.headers).toMatchObject({
      authorization: 'Bearer gateway-secret-key',
      'ai-gateway-auth-method': 'api-key',
    });
    expect(sent?.body).toMatchObject({
      model: 'openai/gpt-5.4',
      messages: [{ role: 'user', content: 'hi' }],
      user: 'routing-user',
      providerOptions: {
        gateway: {
          order: ['bedrock', 'openai'],
          models: ['anthropic/claude-sonnet-4.6'],
          tags: ['team-a'],
        },
      },
    });
  });
});
