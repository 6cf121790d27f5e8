import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app';
import { readUIStream, textOf } from '../support/ui-stream';

let app: TestApp;
let apiKey: string;

beforeAll(async () => {
  app = await startTestApp({
    gatewayConfig: {
      providers: { demo: { type: 'demo', tokenDelayMs: 2 } },
      plans: { unlimited: {} },
    },
  });
  apiKey = await app.createKey({ userId: 'foundation-user', plan: 'unlimited' });
});
afterAll(() => app?.stop());

function postChat(body: unknown, init: RequestInit = {}) {
  return fetch(`${app.url}/api/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...init,
  });
}

async function expectError(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  const body = await response.json();
  expect(body).toEqual({
    error: {
      message: expect.any(String),
      type: expect.any(String),
      code,
      param: body.error?.param === null ? null : expect.any(String),
    },
  });
  return body.error;
}

describe('the production build on the local stack', () => {
  it('reports Redis and the demo provider as healthy', async () => {
    const response = await fetch(`${app.url}/api/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ok',
      redis: 'ok',
      providers: { demo: { type: 'demo', status: 'ok' } },
      circuits: {},
    });
  });

  it('streams a demo answer as an AI SDK UI message stream, with usage in the metadata', async () => {
    const response = await postChat({
      messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: 'Hello gateway' }] }],
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-vercel-ai-ui-message-stream')).toBe('v1');
    expect(response.headers.get('x-tollgate-model')).toBe('demo/chat');
    expect(response.headers.get('x-tollgate-provider')).toBe('demo');
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const parts = await readUIStream(response);
    const deltas = parts.filter((part) => part.type === 'text-delta');
    expect(deltas.length).toBeGreaterThan(20);
    expect(textOf(parts)).toContain('You asked: "Hello gateway"');
    const finish = parts.findLast((part) => part.type === 'finish') as {
      messageMetadata: { usage: { outputTokens: number; inputTokens: number }; costUsd: number };
    };
    expect(finish.messageMetadata.usage.outputTokens).toBeGreaterThan(20);
    expect(finish.messageMetadata.usage.inputTokens).toBeGreaterThan(3);
    expect(finish.messageMetadata.costUsd).toBe(0);
  });

  it('answers with JSON when stream is false, with the same text a stream would carry', async () => {
    const body = { messages: [{ role: 'user', content: 'Same question' }], model: 'demo/instant' };
    const json = await (await postChat({ ...body, stream: false })).json();
    const streamed = textOf(await readUIStream(await postChat(body)));
    expect(json).toMatchObject({
      model: 'demo/instant',
      provider: 'demo',
      finishReason: 'stop',
      costUsd: 0,
    });
    expect(json.text).toBe(streamed);
    expect(json.usage.totalTokens).toBe(json.usage.inputTokens + json.usage.outputTokens);
  });

  it('honours maxOutputTokens', async () => {
    const json = await (
      await postChat({
        messages: [{ role: 'user', content: 'Be brief' }],
        maxOutputTokens: 5,
        stream: false,
      })
    ).json();
    expect(json.usage.outputTokens).toBeLessThanOrEqual(5);
    expect(json.finishReason).toBe('length');
  });

  it.each([
    ['a body that is not JSON', '{"messages": [', 400, 'invalid_json'],
    ['no messages', {}, 400, 'invalid_request'],
    ['an empty message list', { messages: [] }, 400, 'invalid_request'],
    ['messages of the wrong type', { messages: 'hello' }, 400, 'invalid_request'],
    [
      'a message with an unknown role',
      { messages: [{ role: 'robot', content: 'x' }] },
      400,
      'invalid_request',
    ],
    [
      'a temperature that is a string',
      { messages: [{ role: 'user', content: 'x' }], temperature: 'warm' },
      400,
      'invalid_request',
    ],
    [
      'an unknown model',
      { messages: [{ role: 'user', content: 'x' }], model: 'nope/nope' },
      404,
      'model_not_found',
    ],
  ])('answers %s with the documented 4xx', async (_name, body, status, code) => {
    await expectError(await postChat(body), status, code);
  });

  it('refuses a chat without credentials with 401', async () => {
    const response = await fetch(`${app.url}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'x' }] }),
    });
    await expectError(response, 401, 'unauthorized');
  });

  it('refuses a 2 MiB body with 413', async () => {
    const body = JSON.stringify({
      messages: [{ role: 'user', content: 'x'.repeat(2 * 1024 * 1024) }],
    });
    await expectError(await postChat(body), 413, 'payload_too_large');
  });

  it('answers unknown API routes with a 404 in the error shape', async () => {
    const error = await expectError(await fetch(`${app.url}/api/nothing/here`), 404, 'not_found');
    expect(error.message).toContain('/api/nothing/here');
    await expectError(await fetch(`${app.url}/api/chat/x`, { method: 'POST' }), 404, 'not_found');
  });

  it('serves the chat page', async () => {
    const response = await fetch(app.url);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('Tollgate');
  });
});
