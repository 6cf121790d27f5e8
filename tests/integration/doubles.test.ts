import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { createGateway, generateText, jsonSchema, stepCountIs, streamText, tool } from 'ai';
import { getEncoding } from 'js-tiktoken';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type GatewayUpstream, startGatewayUpstream } from '@/tests/doubles/gateway-upstream';
import {
  closedPortUrl,
  contentText,
  type OpenAIUpstream,
  startOpenAIUpstream,
} from '@/tests/doubles/openai-upstream';

const prompt = [{ role: 'user' as const, content: 'Say something.' }];

describe('OpenAI upstream double', () => {
  let upstream: OpenAIUpstream;
  let client: OpenAI;

  beforeAll(async () => {
    upstream = await startOpenAIUpstream();
    client = new OpenAI({ baseURL: upstream.baseURL, apiKey: 'x', maxRetries: 0 });
  });
  afterAll(() => upstream.close());
  beforeEach(() => upstream.reset());

  it('answers a non-streaming chat completion the openai client parses', async () => {
    upstream.setBehavior({ cachedTokens: 4 });
    const completion = await client.chat.completions.create({
      model: 'gpt-test',
      messages: prompt,
    });

    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('gpt-test');
    expect(completion.choices[0]?.message.content).toBe(contentText(5));
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage).toMatchObject({
      prompt_tokens: 17,
      completion_tokens: 5,
      total_tokens: 22,
      prompt_tokens_details: { cached_tokens: 4 },
    });
    const request = upstream.requests[0];
    expect(request?.headers.authorization).toBe('Bearer x');
    expect(request?.body).toMatchObject({ model: 'gpt-test', messages: prompt });
    expect(request?.completed).toBe(true);
  });

  it('makes the content exactly chunkCount tokens in cl100k_base and o200k_base', () => {
    for (const name of ['cl100k_base', 'o200k_base'] as const) {
      expect(getEncoding(name).encode(contentText(40)).length).toBe(40);
    }
  });

  it('streams chunks, then finish_reason, then a usage chunk, then [DONE]', async () => {
    upstream.setBehavior({ chunkCount: 3, completionTokens: 9 });
    const stream = await client.chat.completions.create({
      model: 'gpt-test',
      messages: prompt,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);

    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe(contentText(3));
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toMatchObject({
      prompt_tokens: 17,
      completion_tokens: 9,
      total_tokens: 26,
    });
  });

  it('streams a tool call split across several chunks', async () => {
    const args = { city: 'Paris', unit: 'celsius' };
    upstream.setBehavior({ toolCall: { name: 'get_weather', arguments: args }, chunkCount: 4 });
    const stream = await client.chat.completions.create({
      model: 'gpt-test',
      messages: prompt,
      stream: true,
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: {} } }],
    });
    const deltas: OpenAI.Chat.Completions.ChatCompletionChunk.Choice.Delta.ToolCall[] = [];
    let finishReason: string | null | undefined;
    for await (const chunk of stream) {
      deltas.push(...(chunk.choices[0]?.delta.tool_calls ?? []));
      finishReason = chunk.choices[0]?.finish_reason ?? finishReason;
    }

    expect(deltas.length).toBe(4);
    expect(deltas[0]?.function?.name).toBe('get_weather');
    expect(deltas[0]?.id).toBe('call_double_0');
    const argumentText = deltas.map((delta) => delta.function?.arguments ?? '').join('');
    expect(JSON.parse(argumentText)).toEqual(args);
    expect(finishReason).toBe('tool_calls');
  });

  it('maps an error status to the openai client error class', async () => {
    upstream.setBehavior({ status: 429, retryAfter: '7' });
    const rateLimited = await client.chat.completions
      .create({ model: 'gpt-test', messages: prompt })
      .catch((error: unknown) => error);
    expect(rateLimited).toBeInstanceOf(OpenAI.RateLimitError);
    expect(
      (rateLimited as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after'),
    ).toBe('7');

    upstream.setBehavior({ status: 401 });
    await expect(
      client.chat.completions.create({ model: 'gpt-test', messages: prompt }),
    ).rejects.toBeInstanceOf(OpenAI.AuthenticationError);

    upstream.setBehavior({ status: 503, errorBody: { error: { message: 'custom', type: 'x' } } });
    await expect(
      client.chat.completions.create({ model: 'gpt-test', messages: prompt }),
    ).rejects.toMatchObject({ status: 503, message: expect.stringContaining('custom') });
  });

  it('lists its models', async () => {
    upstream.setBehavior({ models: ['a-model', 'b-model'] });
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(['a-model', 'b-model']);
  });

  it('stops at max_completion_tokens with finish_reason length', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-test',
      messages: prompt,
      max_completion_tokens: 2,
    });
    expect(completion.choices[0]?.message.content).toBe(contentText(2));
    expect(completion.choices[0]?.finish_reason).toBe('length');
    expect(completion.usage?.completion_tokens).toBe(2);
  });

  it('serves @ai-sdk/openai-compatible: generateText and streamText get text and usage', async () => {
    upstream.setBehavior({ cachedTokens: 5 });
    const provider = createOpenAICompatible({
      name: 'double',
      baseURL: upstream.baseURL,
      includeUsage: true,
    });

    const generated = await generateText({
      model: provider('gpt-test'),
      prompt: 'Hi',
      maxRetries: 0,
    });
    expect(generated.text).toBe(contentText(5));
    expect(generated.usage).toMatchObject({
      inputTokens: 17,
      outputTokens: 5,
      inputTokenDetails: { cacheReadTokens: 5, noCacheTokens: 12 },
    });

    const streamed = streamText({ model: provider('gpt-test'), prompt: 'Hi', maxRetries: 0 });
    let text = '';
    for await (const delta of streamed.textStream) text += delta;
    expect(text).toBe(contentText(5));
    expect(await streamed.usage).toMatchObject({
      inputTokens: 17,
      outputTokens: 5,
      totalTokens: 22,
    });
    expect(upstream.requests[1]?.body).toMatchObject({ stream_options: { include_usage: true } });
  });

  it('answers a tool call, then text once the tool result comes back (SDK tool loop)', async () => {
    upstream.setBehavior({ toolCall: { name: 'lookup', arguments: { query: 'tollgate' } } });
    const provider = createOpenAICompatible({ name: 'double', baseURL: upstream.baseURL });
    const inputs: unknown[] = [];
    const result = await generateText({
      model: provider('gpt-test'),
      prompt: 'Look it up.',
      maxRetries: 0,
      stopWhen: stepCountIs(3),
      tools: {
        lookup: tool({
          inputSchema: jsonSchema<{ query: string }>({
            type: 'object',
            properties: { query: { type: 'string' } },
            required: ['query'],
          }),
          execute: async (input) => {
            inputs.push(input);
            return 'found';
          },
        }),
      },
    });

    expect(inputs).toEqual([{ query: 'tollgate' }]);
    expect(result.steps.length).toBe(2);
    expect(result.text).toBe(contentText(5));
  });

  it('cutAfterChunks: the client sees N chunks, then an error', async () => {
    upstream.setBehavior({ chunkCount: 6, cutAfterChunks: 2 });
    const stream = await client.chat.completions.create({
      model: 'gpt-test',
      messages: prompt,
      stream: true,
    });
    let text = '';
    const failure = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(Error);
    expect(text).toBe(contentText(2));
    expect(upstream.requests[0]).toMatchObject({ cut: true, completed: false });
  });

  it('hang: a client abort is seen by the double as a close within 1 s', async () => {
    upstream.setBehavior({ hang: true });
    const controller = new AbortController();
    const pending = client.chat.completions
      .create({ model: 'gpt-test', messages: prompt }, { signal: controller.signal })
      .catch((error: unknown) => error);
    await upstream.waitForRequests(1);
    expect(upstream.inFlight).toBe(1);

    const abortedAt = Date.now();
    controller.abort();
    const closed = await upstream.waitForClose(0, 1_000);

    expect(await pending).toBeInstanceOf(OpenAI.APIUserAbortError);
    expect(closed.completed).toBe(false);
    expect((closed.closedAt ?? Number.POSITIVE_INFINITY) - abortedAt).toBeLessThan(1_000);
    expect(upstream.inFlight).toBe(0);
  });

  it('an abortSignal mid-stream (AI SDK) is seen by the double as a close within 1 s', async () => {
    upstream.setBehavior({ chunkCount: 50, chunkDelayMs: 100 });
    const provider = createOpenAICompatible({ name: 'double', baseURL: upstream.baseURL });
    const controller = new AbortController();
    const result = streamText({
      model: provider('gpt-test'),
      prompt: 'Hi',
      maxRetries: 0,
      abortSignal: controller.signal,
    });
    let abortedAt = 0;
    for await (const part of result.stream) {
      if (part.type === 'text-delta' && abortedAt === 0) {
        abortedAt = Date.now();
        controller.abort();
      }
    }
    const closed = await upstream.waitForClose(0, 1_000);

    expect((closed.closedAt ?? Number.POSITIVE_INFINITY) - abortedAt).toBeLessThan(1_000);
    expect(closed.cut).toBe(false);
  });

  it('respects latency, first-chunk delay and chunk pacing', async () => {
    upstream.setBehavior({
      latencyMs: 200,
      firstChunkDelayMs: 150,
      chunkDelayMs: 50,
      chunkCount: 3,
    });
    const startedAt = Date.now();
    const stream = await client.chat.completions.create({
      model: 'gpt-test',
      messages: prompt,
      stream: true,
    });
    const headersAfter = Date.now() - startedAt;
    const contentTimes: number[] = [];
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) contentTimes.push(Date.now() - startedAt);
    }

    expect(headersAfter).toBeGreaterThanOrEqual(195);
    expect(contentTimes[0]).toBeGreaterThanOrEqual(340);
    expect(contentTimes.at(-1)).toBeGreaterThanOrEqual(440);
  });

  it('closedPortUrl gives a base URL that refuses connections', async () => {
    const refused = new OpenAI({ baseURL: await closedPortUrl(), apiKey: 'x', maxRetries: 0 });
    await expect(
      refused.chat.completions.create({ model: 'gpt-test', messages: prompt }),
    ).rejects.toBeInstanceOf(OpenAI.APIConnectionError);
  });
});

describe('AI Gateway upstream double', () => {
  let upstream: GatewayUpstream;

  beforeAll(async () => {
    upstream = await startGatewayUpstream();
  });
  afterAll(() => upstream.close());
  beforeEach(() => upstream.reset());

  const gatewayFor = (base: GatewayUpstream) =>
    createGateway({ baseURL: base.baseURL, apiKey: 'k' });

  it('serves generateText through createGateway with usage, cost and the gateway headers', async () => {
    upstream.setBehavior({ cachedTokens: 7 });
    const gateway = gatewayFor(upstream);
    const result = await generateText({
      model: gateway('openai/gpt-5.4'),
      prompt: 'Hi',
      maxRetries: 0,
      maxOutputTokens: 100,
    });

    expect(result.text).toBe(contentText(5));
    expect(result.finishReason).toBe('stop');
    expect(result.usage).toMatchObject({
      inputTokens: 17,
      outputTokens: 5,
      totalTokens: 22,
      inputTokenDetails: { cacheReadTokens: 7, noCacheTokens: 10 },
    });
    // 10 × 2.5e-6 + 7 × 2.5e-7 + 5 × 1.5e-5
    expect(result.providerMetadata?.gateway?.cost).toBe('0.00010175');

    const request = upstream.requests[0];
    expect(request?.path).toBe('/v4/ai/language-model');
    expect(request?.headers).toMatchObject({
      authorization: 'Bearer k',
      'ai-gateway-auth-method': 'api-key',
      'ai-gateway-protocol-version': '0.0.1',
      'ai-language-model-specification-version': '4',
      'ai-language-model-id': 'openai/gpt-5.4',
      'ai-language-model-streaming': 'false',
    });
    expect(request?.body).toMatchObject({
      maxOutputTokens: 100,
      prompt: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
    });
  });

  it('serves streamText through createGateway with text, usage and the served model id', async () => {
    upstream.setBehavior({ chunkCount: 4 });
    const gateway = gatewayFor(upstream);
    const result = streamText({
      model: gateway('anthropic/claude-sonnet-4.6'),
      prompt: 'Hi',
      maxRetries: 0,
    });
    let text = '';
    for await (const delta of result.textStream) text += delta;

    expect(text).toBe(contentText(4));
    expect(await result.usage).toMatchObject({ inputTokens: 17, outputTokens: 4, totalTokens: 21 });
    expect((await result.response).modelId).toBe('anthropic/claude-sonnet-4.6');
    expect(upstream.requests[0]?.headers['ai-language-model-streaming']).toBe('true');
  });

  it('streams a tool call the SDK turns into a typed tool call', async () => {
    upstream.setBehavior({
      toolCall: { name: 'lookup', arguments: { query: 'x' } },
      chunkCount: 3,
    });
    const gateway = gatewayFor(upstream);
    const result = streamText({
      model: gateway('openai/gpt-5.4'),
      prompt: 'Look it up.',
      maxRetries: 0,
      tools: {
        lookup: tool({
          inputSchema: jsonSchema<{ query: string }>({
            type: 'object',
            properties: { query: { type: 'string' } },
          }),
        }),
      },
    });

    const toolCalls = await result.toolCalls;
    expect(toolCalls.map((call) => [call.toolName, call.input])).toEqual([
      ['lookup', { query: 'x' }],
    ]);
    expect(await result.finishReason).toBe('tool-calls');
  });

  it('getAvailableModels returns the configured models with pricing', async () => {
    upstream.setBehavior({
      models: [
        {
          id: 'openai/gpt-test',
          name: 'GPT Test',
          pricing: { input: '0.000001', output: '0.000002' },
        },
        {
          id: 'anthropic/claude-test',
          pricing: { input: '0.000003', output: '0.000015', input_cache_read: '0.0000003' },
        },
      ],
    });
    const { models } = await gatewayFor(upstream).getAvailableModels();

    expect(models).toEqual([
      expect.objectContaining({
        id: 'openai/gpt-test',
        name: 'GPT Test',
        pricing: { input: '0.000001', output: '0.000002' },
        specification: {
          specificationVersion: 'v4',
          provider: 'openai',
          modelId: 'openai/gpt-test',
        },
        modelType: 'language',
      }),
      expect.objectContaining({
        id: 'anthropic/claude-test',
        name: 'anthropic/claude-test',
        pricing: { input: '0.000003', output: '0.000015', cachedInputTokens: '0.0000003' },
      }),
    ]);
    expect(upstream.requests[0]?.path).toBe('/v4/ai/config');
  });

  it('answers an error status the gateway client maps to its typed error', async () => {
    upstream.setBehavior({ status: 429 });
    const failure = await generateText({
      model: gatewayFor(upstream)('openai/gpt-5.4'),
      prompt: 'Hi',
      maxRetries: 0,
    }).catch((error: unknown) => error);

    expect(failure).toMatchObject({
      name: 'GatewayRateLimitError',
      statusCode: 429,
      isRetryable: true,
    });
  });

  it('cutAfterChunks: streamText gets N deltas, then its stream throws', async () => {
    upstream.setBehavior({ chunkCount: 5, cutAfterChunks: 3 });
    const result = streamText({
      model: gatewayFor(upstream)('openai/gpt-5.4'),
      prompt: 'Hi',
      maxRetries: 0,
    });
    let text = '';
    const types: string[] = [];
    // A transport failure mid-body is not an `error` part in ai 7: iterating the stream throws.
    const failure = await (async () => {
      for await (const part of result.stream) {
        types.push(part.type);
        if (part.type === 'text-delta') text += part.text;
      }
    })().catch((error: unknown) => error);

    expect(failure).toMatchObject({ name: 'AI_APICallError' });
    expect(text).toBe(contentText(3));
    expect(types).not.toContain('text-end');
    expect(upstream.requests[0]?.cut).toBe(true);
  });

  it('hang: aborting a gateway call is seen by the double as a close within 1 s', async () => {
    upstream.setBehavior({ hang: true });
    const controller = new AbortController();
    const pending = generateText({
      model: gatewayFor(upstream)('openai/gpt-5.4'),
      prompt: 'Hi',
      maxRetries: 0,
      abortSignal: controller.signal,
    }).catch((error: unknown) => error);
    await upstream.waitForRequests(1);

    const abortedAt = Date.now();
    controller.abort();
    const closed = await upstream.waitForClose(0, 1_000);

    expect((closed.closedAt ?? Number.POSITIVE_INFINITY) - abortedAt).toBeLessThan(1_000);
    expect(await pending).toMatchObject({ name: 'AbortError' });
  });

  it('respects latency before the headers', async () => {
    upstream.setBehavior({ latencyMs: 250 });
    const startedAt = Date.now();
    await generateText({
      model: gatewayFor(upstream)('openai/gpt-5.4'),
      prompt: 'Hi',
      maxRetries: 0,
    });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(245);
  });
});
