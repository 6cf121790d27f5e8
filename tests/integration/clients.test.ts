import { createOpenAI } from '@ai-sdk/openai';
import { HumanMessage, ToolMessage } from '@langchain/core/messages';
import { tool as langchainTool } from '@langchain/core/tools';
import { ChatOpenAI } from '@langchain/openai';
import { Agent, OpenAIChatCompletionsModel, run, setTracingDisabled } from '@openai/agents';
import { generateText, Output } from 'ai';
import OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type AnthropicUpstream, startAnthropicUpstream } from '../doubles/anthropic-upstream';
import { type OpenAIUpstream, startOpenAIUpstream } from '../doubles/openai-upstream';
import { startTestApp, type TestApp } from '../support/app';

/**
 * The mainstream OpenAI-family clients, unmodified, against a relayed target (an OpenAI-style
 * server: the body goes on as written) and a translated one (Anthropic: the AI SDK translates).
 */
let openai: OpenAIUpstream;
let anthropic: AnthropicUpstream;
let app: TestApp;
let apiKey: string;
const sentToGateway: Array<Record<string, unknown>> = [];

const weather = z.object({ city: z.string(), celsius: z.number() });
const weatherJson = JSON.stringify({ city: 'Oslo', celsius: 4 });

const targets = [
  { name: 'relayed (OpenAI-compatible)', model: 'relay/echo', upstreamModel: 'echo-1' },
  { name: 'translated (Anthropic)', model: 'translate/claude', upstreamModel: 'claude-sonnet-4-5' },
] as const;

setTracingDisabled(true);

beforeAll(async () => {
  [openai, anthropic] = await Promise.all([startOpenAIUpstream(), startAnthropicUpstream()]);
  app = await startTestApp({
    gatewayConfig: {
      providers: {
        compatible: { type: 'openai-compatible', baseURL: openai.baseURL, apiKey: 'upstream-key' },
        claude: { type: 'anthropic', baseURL: anthropic.baseURL, apiKey: 'anthropic-key' },
      },
      plans: { roomy: { tokensPerMonth: 10_000_000 } },
      models: {
        'relay/echo': { targets: [{ provider: 'compatible', model: 'echo-1' }] },
        'translate/claude': { targets: [{ provider: 'claude', model: 'claude-sonnet-4-5' }] },
      },
    },
  });
  apiKey = await app.createKey({ userId: 'client-user', plan: 'roomy' });
});
afterAll(async () => {
  await app?.stop();
  await Promise.all([openai?.close(), anthropic?.close()]);
});
beforeEach(() => {
  openai.reset();
  anthropic.reset();
  sentToGateway.length = 0;
  for (const upstream of [openai, anthropic]) {
    upstream.setBehavior({ answerText: weatherJson, chunkCount: 3 });
  }
});

/** `fetch` that keeps every JSON body a client sends to the gateway. */
const recordingFetch: typeof fetch = async (input, init) => {
  if (typeof init?.body === 'string') sentToGateway.push(JSON.parse(init.body));
  return fetch(input, init);
};

const baseURL = () => `${app.url}/api/v1`;
const upstreamOf = (model: string) => (model.startsWith('relay/') ? openai : anthropic);

/**
 * The relayed body is the client's, except the fields the gateway owns: `model` (the target's
 * id), the output cap (clamped), `stream_options.include_usage` and `user` (the caller's).
 */
function expectRelayedAsWritten(upstreamModel: string) {
  const sent = sentToGateway.at(-1) as Record<string, unknown>;
  const received = openai.requests.at(-1)?.body as Record<string, unknown>;
  const owned = ['model', 'max_tokens', 'max_completion_tokens', 'stream_options', 'user'];
  const rest = (body: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(body).filter(([name]) => !owned.includes(name)));
  expect(rest(received)).toEqual(rest(sent));
  expect(received.model).toBe(upstreamModel);
  expect(received.user).toBe(sent.user ?? 'client-user');
  expect(typeof (received.max_completion_tokens ?? received.max_tokens)).toBe('number');
}

describe.each(targets)('real clients against a $name target', ({ model, upstreamModel }) => {
  const relayed = model.startsWith('relay/');
  const client = () => new OpenAI({ baseURL: baseURL(), apiKey, fetch: recordingFetch });

  it('openai: chat.completions.parse with zodResponseFormat', async () => {
    const completion = await client().chat.completions.parse({
      model,
      messages: [{ role: 'user', content: 'Weather in Oslo?' }],
      response_format: zodResponseFormat(weather, 'weather'),
    });
    expect(completion.choices[0]?.message.parsed).toEqual({ city: 'Oslo', celsius: 4 });
    if (relayed) expectRelayedAsWritten(upstreamModel);
    else {
      // The translation asked Anthropic for the schema's JSON.
      expect(JSON.stringify(anthropic.requests.at(-1)?.body)).toContain('celsius');
    }
  });

  it('openai: models.retrieve of a catalog id with a slash', async () => {
    const retrieved = await client().models.retrieve(model);
    expect(retrieved).toMatchObject({ id: model, object: 'model', owned_by: model.split('/')[0] });
  });

  it("openai: a provider's 400 comes back as a 400 with its message and is not retried", async () => {
    const upstream = upstreamOf(model);
    upstream.setBehavior({
      status: 400,
      errorBody: relayed
        ? {
            error: {
              message: 'Invalid schema for response_format.',
              type: 'invalid_request_error',
              param: 'response_format',
              code: null,
            },
          }
        : {
            type: 'error',
            error: {
              type: 'invalid_request_error',
              message: 'Invalid schema for response_format.',
            },
          },
    });
    // The client's default: 2 retries of anything it believes retryable.
    const error = await new OpenAI({ baseURL: baseURL(), apiKey }).chat.completions
      .create({ model, messages: [{ role: 'user', content: 'x' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).message).toContain(
      'Invalid schema for response_format.',
    );
    expect(
      (error as InstanceType<typeof OpenAI.BadRequestError>).headers?.get('x-should-retry'),
    ).toBe('false');
    expect(upstream.requests).toHaveLength(1);
  });

  it("openai: the provider refusing the gateway's key is a 502 the client does not retry", async () => {
    const upstream = upstreamOf(model);
    upstream.setBehavior({ status: 401 });
    const error = await new OpenAI({ baseURL: baseURL(), apiKey }).chat.completions
      .create({ model, messages: [{ role: 'user', content: 'x' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect(upstream.requests).toHaveLength(1);
  });

  it('@langchain/openai: withStructuredOutput with its default method', async () => {
    const chat = new ChatOpenAI({
      model,
      apiKey,
      configuration: { baseURL: baseURL(), fetch: recordingFetch },
      maxRetries: 0,
    });
    const answer = await chat.withStructuredOutput(weather).invoke('Weather in Oslo?');
    expect(answer).toEqual({ city: 'Oslo', celsius: 4 });
    if (relayed) {
      expect(sentToGateway.at(-1)?.response_format).toMatchObject({ type: 'json_schema' });
      expectRelayedAsWritten(upstreamModel);
    }
  });

  it('@langchain/openai: a tool round trip with ToolMessage', async () => {
    const upstream = upstreamOf(model);
    upstream.setBehavior({
      answerText: 'It is 4 degrees in Oslo.',
      toolCall: { name: 'get_weather', arguments: { city: 'Oslo' } },
    });
    const getWeather = langchainTool(async ({ city }) => `${city}: 4 C`, {
      name: 'get_weather',
      description: 'Weather for a city',
      schema: z.object({ city: z.string() }),
    });
    const chat = new ChatOpenAI({
      model,
      apiKey,
      configuration: { baseURL: baseURL(), fetch: recordingFetch },
      maxRetries: 0,
    }).bindTools([getWeather]);
    const question = new HumanMessage('Weather in Oslo?');
    const call = await chat.invoke([question]);
    const toolCall = call.tool_calls?.[0];
    expect(toolCall).toMatchObject({ name: 'get_weather', args: { city: 'Oslo' } });
    const result = new ToolMessage({
      content: await getWeather.invoke(toolCall?.args as { city: string }),
      tool_call_id: toolCall?.id as string,
      name: 'get_weather',
    });
    const final = await chat.invoke([question, call, result]);
    expect(final.content).toBe('It is 4 degrees in Oslo.');
    if (relayed) {
      expectRelayedAsWritten(upstreamModel);
      const messages = openai.requests.at(-1)?.body as { messages: Array<Record<string, unknown>> };
      expect(messages.messages.at(-1)).toMatchObject({ role: 'tool', content: 'Oslo: 4 C' });
    } else {
      expect(JSON.stringify(anthropic.requests.at(-1)?.body)).toContain('Oslo: 4 C');
    }
  });

  it('@openai/agents: the chat-completions model with outputType and modelSettings.store', async () => {
    const agent = new Agent({
      name: 'weather',
      instructions: 'Answer with the weather.',
      model: new OpenAIChatCompletionsModel(
        new OpenAI({ baseURL: baseURL(), apiKey, fetch: recordingFetch, maxRetries: 0 }),
        model,
      ),
      outputType: weather,
      modelSettings: { store: true },
    });
    const result = await run(agent, 'Weather in Oslo?');
    expect(result.finalOutput).toEqual({ city: 'Oslo', celsius: 4 });
    expect(sentToGateway.at(-1)).toMatchObject({
      store: true,
      response_format: { type: 'json_schema' },
    });
    if (relayed) expectRelayedAsWritten(upstreamModel);
  });

  it('@ai-sdk/openai .chat() with Output.object', async () => {
    const provider = createOpenAI({ baseURL: baseURL(), apiKey, fetch: recordingFetch });
    const { output } = await generateText({
      model: provider.chat(model),
      output: Output.object({ schema: weather }),
      prompt: 'Weather in Oslo?',
      maxRetries: 0,
    });
    expect(output).toEqual({ city: 'Oslo', celsius: 4 });
    if (relayed) expectRelayedAsWritten(upstreamModel);
  });
});

describe('GET /api/v1/models/{id}', () => {
  const get = (path: string) =>
    fetch(`${baseURL()}/models/${path}`, { headers: { authorization: `Bearer ${apiKey}` } });

  it.each(['relay/echo', 'relay%2Fecho', 'relay%2fecho'])(
    'finds a catalog id sent as %s',
    async (path) => {
      const response = await get(path);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        id: 'relay/echo',
        object: 'model',
        created: expect.any(Number),
        owned_by: 'relay',
      });
    },
  );

  // A path that is not valid percent-encoding fails in Next before any route (issue 11's
  // `/api/%ZZ`, handled by the door in lib/http).
  it('answers an unknown id with a 404 in the error shape', async () => {
    const unknown = await get('nobody/none');
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error).toMatchObject({ code: 'model_not_found', param: 'model' });
  });

  it('needs credentials like the list', async () => {
    expect((await fetch(`${baseURL()}/models/relay/echo`)).status).toBe(401);
  });
});

describe('fields only the OpenAI protocol carries', () => {
  const body = {
    messages: [{ role: 'user', content: 'x' }],
    reasoning_effort: 'low',
    logit_bias: { '1': -5 },
    prediction: { type: 'content', content: 'x' },
    verbosity: 'low',
  };
  const post = (model: string) =>
    fetch(`${baseURL()}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ model, ...body }),
    });

  it('go to a relayed target as written', async () => {
    const response = await post('relay/echo');
    expect(response.status).toBe(200);
    expect(openai.requests[0]?.body).toMatchObject(body);
  });

  it('are a 400 naming the field for a translated target, which is never called', async () => {
    const response = await post('translate/claude');
    expect(response.status).toBe(400);
    expect((await response.json()).error).toMatchObject({ param: 'reasoning_effort' });
    expect(anthropic.requests).toHaveLength(0);
  });
});
