import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { DefaultChatTransport, generateText, streamText, type UIMessageChunk } from 'ai';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type GatewayUpstream, startGatewayUpstream } from '../doubles/gateway-upstream';
import { contentText, type OpenAIUpstream, startOpenAIUpstream } from '../doubles/openai-upstream';
import { startTestApp, type TestApp } from '../support/app';
import { readUIStream, textOf } from '../support/ui-stream';

let upstream: OpenAIUpstream;
let gateway: GatewayUpstream;
let app: TestApp;
let client: OpenAI;
let apiKey: string;
const json = () => ({ 'content-type': 'application/json', authorization: `Bearer ${apiKey}` });

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

beforeAll(async () => {
  upstream = await startOpenAIUpstream();
  gateway = await startGatewayUpstream();
  app = await startTestApp({
    gatewayConfig: {
      providers: {
        upstream: { type: 'openai-compatible', baseURL: upstream.baseURL, apiKey: 'upstream-key' },
        gateway: { type: 'gateway', baseURL: gateway.baseURL, apiKey: 'gateway-key' },
      },
      plans: { unlimited: {} },
      models: {
        'test/echo': {
          name: 'Echo',
          targets: [{ provider: 'upstream', model: 'echo-1' }],
          pricing: { inputPerMTok: 1, outputPerMTok: 2 },
        },
      },
    },
  });
  apiKey = await app.createKey({ userId: 'openai-api-user', plan: 'unlimited' });
  client = new OpenAI({ baseURL: `${app.url}/api/v1`, apiKey, maxRetries: 0 });
});
afterAll(async () => {
  await app?.stop();
  await upstream?.close();
  await gateway?.close();
});
beforeEach(() => {
  upstream.reset();
  gateway.reset();
});

describe('/api/v1 with the official openai client', () => {
  it('answers a non-streaming completion with the upstream text and usage', async () => {
    upstream.setBehavior({ chunkCount: 6, promptTokens: 21, cachedTokens: 3 });
    const { data, response } = await client.chat.completions
      .create({ model: 'test/echo', messages: [{ role: 'user', content: 'hello' }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe(contentText(6));
    expect(data.choices[0]?.finish_reason).toBe('stop');
    // Relayed as the provider sent it: `model` is the upstream's own id (OpenAI too answers
    // with a dated snapshot id); x-tollgate-model names the catalog model.
    expect(data.model).toBe('echo-1');
    expect(data.usage).toMatchObject({
      prompt_tokens: 21,
      completion_tokens: 6,
      total_tokens: 27,
      prompt_tokens_details: { cached_tokens: 3 },
    });
    expect(response.headers.get('x-tollgate-model')).toBe('test/echo');
    expect(response.headers.get('x-tollgate-provider')).toBe('upstream');
    const sent = upstream.requests[0];
    expect(sent?.headers.authorization).toBe('Bearer upstream-key');
    expect(sent?.body).toMatchObject({
      model: 'echo-1',
      messages: [{ role: 'user', content: 'hello' }],
    });
  });

  it('streams chunks and a final usage chunk when include_usage is set', async () => {
    upstream.setBehavior({ chunkCount: 8, promptTokens: 12 });
    const stream = await client.chat.completions.create({
      model: 'test/echo',
      messages: [{ role: 'user', content: 'stream please' }],
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 50,
      temperature: 0.3,
      top_p: 0.8,
      stop: ['STOP'],
      user: 'end-user-7',
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    let finishReason: string | null | undefined;
    let contentChunks = 0;
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta.content;
      if (delta) {
        text += delta;
        contentChunks++;
      }
      finishReason ??= chunk.choices[0]?.finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(contentText(8));
    expect(contentChunks).toBe(8);
    expect(finishReason).toBe('stop');
    expect(usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 });
    expect(upstream.requests[0]?.body).toMatchObject({
      max_tokens: 50,
      temperature: 0.3,
      top_p: 0.8,
      stop: ['STOP'],
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('relays tool calls to the client and tool results back to the model', async () => {
    upstream.setBehavior({
      toolCall: { name: 'get_weather', arguments: { city: 'Oslo' }, id: 'call_42' },
    });
    const first = await client.chat.completions.create({
      model: 'test/echo',
      messages: [{ role: 'user', content: 'Weather in Oslo?' }],
      tools: [weatherTool],
      tool_choice: 'auto',
    });
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call?.type === 'function' && call.function.name).toBe('get_weather');
    expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toEqual({
      city: 'Oslo',
    });
    expect(upstream.requests[0]?.body).toMatchObject({
      tools: [{ type: 'function', function: { name: 'get_weather' } }],
    });

    upstream.setBehavior({ toolCall: undefined });
    const second = await client.chat.completions.create({
      model: 'test/echo',
      messages: [
        { role: 'user', content: 'Weather in Oslo?' },
        { role: 'assistant', content: null, tool_calls: first.choices[0]?.message.tool_calls },
        { role: 'tool', tool_call_id: call?.id ?? '', content: '{"celsius":4}' },
      ],
      tools: [weatherTool],
    });
    expect(second.choices[0]?.message.content).toBe(contentText(5));
    const relayed = upstream.requests[1]?.body as { messages: Array<Record<string, unknown>> };
    expect(relayed.messages[1]).toMatchObject({
      role: 'assistant',
      tool_calls: [{ id: call?.id, function: { name: 'get_weather' } }],
    });
    expect(relayed.messages[2]).toMatchObject({
      role: 'tool',
      tool_call_id: call?.id,
      content: '{"celsius":4}',
    });
  });

  it('streams tool-call deltas that reassemble into the call', async () => {
    upstream.setBehavior({ toolCall: { name: 'get_weather', arguments: { city: 'Lima' } } });
    const stream = await client.chat.completions.create({
      model: 'test/echo',
      messages: [{ role: 'user', content: 'Weather in Lima?' }],
      tools: [weatherTool],
      stream: true,
    });
    let name = '';
    let args = '';
    let finishReason: string | null | undefined;
    for await (const chunk of stream) {
      for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
        name += delta.function?.name ?? '';
        args += delta.function?.arguments ?? '';
      }
      finishReason ??= chunk.choices[0]?.finish_reason;
    }
    expect(name).toBe('get_weather');
    expect(JSON.parse(args)).toEqual({ city: 'Lima' });
    expect(finishReason).toBe('tool_calls');
  });

  it('passes an image part on to the provider', async () => {
    const image =
      'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
    const completion = await client.chat.completions.create({
      model: 'test/echo',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this image?' },
            { type: 'image_url', image_url: { url: image } },
          ],
        },
      ],
    });
    expect(completion.choices[0]?.message.content).toBe(contentText(5));
    const sent = upstream.requests[0]?.body as { messages: Array<{ content: unknown }> };
    expect(sent.messages[0]?.content).toEqual([
      { type: 'text', text: 'What is in this image?' },
      { type: 'image_url', image_url: { url: image } },
    ]);
  });

  it('lists configured, gateway and demo models', async () => {
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'test/echo',
        'demo/chat',
        'openai/gpt-5.4',
        'anthropic/claude-sonnet-4.6',
      ]),
    );
  });

  it('surfaces our errors through the client error classes', async () => {
    const notFound = await client.chat.completions
      .create({ model: 'nobody/nothing', messages: [{ role: 'user', content: 'x' }] })
      .catch((error) => error);
    expect(notFound).toBeInstanceOf(OpenAI.NotFoundError);
    expect(notFound.status).toBe(404);
    expect(notFound.code).toBe('model_not_found');

    const badField = await client.chat.completions
      .create({ model: 'test/echo', messages: [{ role: 'user', content: 'x' }], n: 2 })
      .catch((error) => error);
    expect(badField).toBeInstanceOf(OpenAI.BadRequestError);
    expect(badField.status).toBe(400);
    expect(badField.param).toBe('n');
    expect(upstream.requests).toHaveLength(0);
  });

  it('ends a stream cut by the upstream with an error event and no [DONE]', async () => {
    upstream.setBehavior({ chunkCount: 10, cutAfterChunks: 3 });
    const response = await fetch(`${app.url}/api/v1/chat/completions`, {
      method: 'POST',
      headers: json(),
      body: JSON.stringify({
        model: 'test/echo',
        stream: true,
        messages: [{ role: 'user', content: 'x' }],
      }),
    });
    const events = (await response.text()).split('\n\n').filter(Boolean);
    const contents = events
      .filter((event) => event.includes('"content"'))
      .map((event) => JSON.parse(event.slice(6)).choices[0].delta.content)
      .join('');
    expect(contents).toBe(contentText(3));
    expect(JSON.parse(events.at(-1)?.slice(6) ?? '{}')).toMatchObject({
      error: { code: 'upstream_error' },
    });
    expect(events).not.toContain('data: [DONE]');
  });
});

describe('malformed OpenAI requests', () => {
  it.each([
    ['a bad role', { model: 'test/echo', messages: [{ role: 'robot', content: 'x' }] }, 400],
    // A translated target (the demo) cannot honour these; a relayed one gets them as written.
    [
      'a content part a translated target cannot take',
      { model: 'demo/instant', messages: [{ role: 'user', content: [{ type: 'video' }] }] },
      400,
    ],
    ['n: 2', { model: 'test/echo', n: 2, messages: [{ role: 'user', content: 'x' }] }, 400],
    ['an unknown model', { model: 'x/y', messages: [{ role: 'user', content: 'x' }] }, 404],
    ['messages as a string', { model: 'test/echo', messages: 'hello' }, 400],
    [
      'max_tokens as a string',
      { model: 'test/echo', max_tokens: '10', messages: [{ role: 'user', content: 'x' }] },
      400,
    ],
    [
      'a field a translated target cannot honour',
      { model: 'demo/instant', logprobs: true, messages: [{ role: 'user', content: 'x' }] },
      400,
    ],
    ['no body at all', undefined, 400],
  ])('answers %s with a 4xx in the error shape', async (_name, body, status) => {
    const response = await fetch(`${app.url}/api/v1/chat/completions`, {
      method: 'POST',
      headers: json(),
      body: body === undefined ? '' : JSON.stringify(body),
    });
    expect(response.status).toBe(status);
    expect((await response.json()).error).toMatchObject({
      code: expect.any(String),
      message: expect.any(String),
    });
    expect(upstream.requests).toHaveLength(0);
  });
});

describe('@ai-sdk/openai-compatible against /api/v1', () => {
  const tollgate = () =>
    createOpenAICompatible({
      name: 'tollgate',
      baseURL: `${app.url}/api/v1`,
      apiKey,
      includeUsage: true,
    });

  it('generates and streams with the upstream usage', async () => {
    upstream.setBehavior({ chunkCount: 4, promptTokens: 9 });
    const generated = await generateText({
      model: tollgate()('test/echo'),
      prompt: 'hi',
      maxRetries: 0,
    });
    expect(generated.text).toBe(contentText(4));
    expect(generated.usage).toMatchObject({ inputTokens: 9, outputTokens: 4 });

    const streamed = streamText({ model: tollgate()('test/echo'), prompt: 'hi', maxRetries: 0 });
    let text = '';
    for await (const delta of streamed.textStream) text += delta;
    expect(text).toBe(contentText(4));
    expect(await streamed.usage).toMatchObject({ inputTokens: 9, outputTokens: 4 });
  });
});

describe('/api/chat from other apps', () => {
  it('streams to DefaultChatTransport with the upstream usage in the metadata', async () => {
    upstream.setBehavior({ chunkCount: 7, promptTokens: 30 });
    const transport = new DefaultChatTransport({
      api: `${app.url}/api/chat`,
      headers: { authorization: `Bearer ${apiKey}` },
      body: { model: 'test/echo' },
    });
    const stream = await transport.sendMessages({
      chatId: 'chat-1',
      messageId: undefined,
      trigger: 'submit-message',
      abortSignal: undefined,
      messages: [{ id: 'm1', role: 'user', parts: [{ type: 'text', text: 'hello' }] }],
    });
    const chunks: UIMessageChunk[] = [];
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
    }
    const text = chunks.map((chunk) => (chunk.type === 'text-delta' ? chunk.delta : '')).join('');
    expect(text).toBe(contentText(7));
    const finish = chunks.find((chunk) => chunk.type === 'finish');
    expect(finish?.type === 'finish' && finish.messageMetadata).toMatchObject({
      model: 'test/echo',
      provider: 'upstream',
      usage: { inputTokens: 30, outputTokens: 7, totalTokens: 37 },
      costUsd: (30 * 1 + 7 * 2) / 1e6,
    });
  });

  it('answers plain fetch with JSON carrying the upstream usage', async () => {
    upstream.setBehavior({ chunkCount: 3, promptTokens: 5 });
    const response = await fetch(`${app.url}/api/chat`, {
      method: 'POST',
      headers: { ...json(), origin: 'https://other.example' },
      body: JSON.stringify({
        model: 'test/echo',
        stream: false,
        system: 'Be brief.',
        messages: [{ role: 'user', content: 'hi' }],
      }),
    });
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    expect(await response.json()).toMatchObject({
      model: 'test/echo',
      provider: 'upstream',
      text: contentText(3),
      usage: { inputTokens: 5, outputTokens: 3, totalTokens: 8 },
      costUsd: (5 + 3 * 2) / 1e6,
    });
    expect(upstream.requests[0]?.body).toMatchObject({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hi' },
      ],
    });
  });

  // Middleware does not run for the two chat routes: they answer CORS themselves.
  it.each(['/api/chat', '/api/v1/chat/completions'])(
    'answers a CORS preflight from another origin on %s, and a refusal carries CORS too',
    async (path) => {
      const response = await fetch(`${app.url}${path}`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://other.example',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type',
        },
      });
      expect(response.status).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
      expect(response.headers.get('access-control-allow-headers')).toBe(
        'authorization, content-type',
      );

      const refused = await fetch(`${app.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'https://other.example' },
        body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(refused.status).toBe(401);
      expect((await refused.json()).error.code).toBe('unauthorized');
      expect(refused.headers.get('access-control-allow-origin')).toBe('*');
      expect(refused.headers.get('access-control-expose-headers')).toContain('retry-after');
      expect(refused.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    },
  );
});

describe('client abort', () => {
  it('closes the upstream request within a second and reports the partial usage', async () => {
    upstream.setBehavior({ chunkCount: 100, chunkDelayMs: 40, promptTokens: 11 });
    const controller = new AbortController();
    const response = await fetch(`${app.url}/api/chat`, {
      method: 'POST',
      headers: json(),
      body: JSON.stringify({
        model: 'test/echo',
        messages: [{ role: 'user', content: 'long please' }],
      }),
      signal: controller.signal,
    });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let received = '';
    while ((received.match(/"text-delta"/g) ?? []).length < 10) {
      received += decoder.decode((await reader.read()).value);
    }
    controller.abort();
    await upstream.waitForClose(0, 1_000);
    expect(upstream.requests[0]?.completed).toBe(false);

    const logLine = await waitForLog(app, '"ending":"aborted"');
    const logged = JSON.parse(logLine) as { usage: { outputTokens: number; inputTokens: number } };
    expect(logged.usage.outputTokens).toBeGreaterThanOrEqual(10);
    expect(logged.usage.outputTokens).toBeLessThanOrEqual(15);
    expect(logged.usage.inputTokens).toBeGreaterThan(0);
  });
});

describe('the AI Gateway provider', () => {
  it('sends the AI Gateway headers and body for a model it publishes', async () => {
    const response = await fetch(`${app.url}/api/chat`, {
      method: 'POST',
      headers: json(),
      body: JSON.stringify({
        model: 'anthropic/claude-sonnet-4.6',
        maxOutputTokens: 64,
        messages: [{ role: 'user', content: 'hello gateway' }],
      }),
    });
    expect(response.headers.get('x-tollgate-provider')).toBe('gateway');
    expect(textOf(await readUIStream(response))).toBe(contentText(5));
    const sent = gateway.requests.find((request) => request.path.endsWith('/language-model'));
    expect(sent?.headers).toMatchObject({
      authorization: 'Bearer gateway-key',
      'ai-gateway-protocol-version': '0.0.1',
      'ai-language-model-id': 'anthropic/claude-sonnet-4.6',
      'ai-language-model-streaming': 'true',
      'ai-gateway-auth-method': 'api-key',
    });
    expect(sent?.body).toMatchObject({
      maxOutputTokens: 64,
      prompt: [{ role: 'user', content: [{ type: 'text', text: 'hello gateway' }] }],
    });
  });

  it('prices gateway models from the gateway catalog', async () => {
    const { models } = await (await fetch(`${app.url}/api/models`)).json();
    const claude = models.find(
      (model: { id: string }) => model.id === 'anthropic/claude-sonnet-4.6',
    );
    expect(claude).toMatchObject({
      provider: 'gateway',
      available: true,
      pricing: { inputPerMTok: expect.any(Number) },
    });
    expect(claude.pricing.inputPerMTok).toBeGreaterThan(0);
  });
});

async function waitForLog(target: TestApp, marker: string, timeoutMs = 5_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const line = target.server
      .output()
      .split('\n')
      .find((entry) => entry.includes('"tollgate.chat"') && entry.includes(marker));
    if (line) return line;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no log line with ${marker}:\n${target.server.output()}`);
}
