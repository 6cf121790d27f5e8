import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { estimatePromptTokens } from '@/lib/tokens';
import { Anthropic } from '../agents/clients';
import {
  type AnthropicUpstream,
  contentText,
  startAnthropicUpstream,
} from '../doubles/anthropic-upstream';
import { type GatewayUpstream, startGatewayUpstream } from '../doubles/gateway-upstream';
import { type OpenAIUpstream, startOpenAIUpstream } from '../doubles/openai-upstream';
import { agentWorkspace, type Json, lastOf, runClaude } from '../support/agents';
import { startTestApp, type TestApp } from '../support/app';
import { settledTotals } from '../support/usage';

let openai: OpenAIUpstream;
let anthropic: AnthropicUpstream;
let gateway: GatewayUpstream;
let app: TestApp;

beforeAll(async () => {
  openai = await startOpenAIUpstream();
  anthropic = await startAnthropicUpstream();
  gateway = await startGatewayUpstream();
  app = await startTestApp({
    gatewayConfig: {
      providers: {
        compatible: { type: 'openai-compatible', baseURL: openai.baseURL, apiKey: 'compat-key' },
        claude: { type: 'anthropic', baseURL: anthropic.baseURL, apiKey: 'anthropic-key' },
        gateway: { type: 'gateway', baseURL: gateway.baseURL, apiKey: 'gateway-key' },
      },
      plans: { unlimited: {} },
      models: {
        'test/compatible': {
          targets: [{ provider: 'compatible', model: 'compat-1' }],
          pricing: { inputPerMTok: 1, outputPerMTok: 2 },
        },
        'test/gateway-claude': {
          targets: [{ provider: 'gateway', model: 'anthropic/claude-sonnet-4.6' }],
          pricing: { inputPerMTok: 3, outputPerMTok: 15 },
        },
        'test/claude': {
          targets: [{ provider: 'claude', model: 'claude-double-1' }],
          pricing: {
            inputPerMTok: 3,
            outputPerMTok: 15,
            cacheReadPerMTok: 0.3,
            cacheWritePerMTok: 3.75,
          },
        },
      },
      aliases: { 'claude-opus-5-5': 'test/compatible' },
    },
  });
});
afterAll(async () => {
  await app?.stop();
  await openai?.close();
  await anthropic?.close();
  await gateway?.close();
});
beforeEach(() => {
  openai.reset();
  anthropic.reset();
  gateway.reset();
});

/** What the upstream reported over all its answers: `promptTokens` and `completionTokens` each. */
function reportedTotals(requestCount: number, promptTokens: number, completionTokens: number) {
  return {
    requests: requestCount,
    inputTokens: requestCount * promptTokens,
    outputTokens: requestCount * completionTokens,
  };
}

describe('Claude Code (claude -p) through /api/anthropic', () => {
  for (const target of [
    {
      name: 'a translated OpenAI-compatible target',
      model: 'claude-opus-5-5',
      upstream: () => openai,
      sentToolResult: (body: Json) => lastOf(body.messages)?.role === 'tool',
    },
    {
      name: 'a relayed anthropic target',
      model: 'test/claude',
      upstream: () => anthropic,
      relayed: {
        path: '/v1/messages',
        model: 'claude-double-1',
        key: ['x-api-key', 'anthropic-key'] as [string, string],
      },
      sentToolResult: (body: Json) =>
        JSON.stringify(lastOf(body.messages)?.content).includes('"type":"tool_result"'),
    },
    {
      // Its message_start reports 0 input tokens, as the real one did.
      name: "the AI Gateway's Messages endpoint (relayed)",
      model: 'test/gateway-claude',
      upstream: () => gateway,
      relayed: {
        path: '/v1/messages',
        model: 'anthropic/claude-sonnet-4.6',
        key: ['authorization', 'Bearer gateway-key'] as [string, string],
      },
      sentToolResult: (body: Json) =>
        JSON.stringify(lastOf(body.messages)?.content).includes('"type":"tool_result"'),
    },
  ]) {
    it(`runs the shell tool the model calls, via ${target.name}, and records the upstream's usage`, async () => {
      const workspace = agentWorkspace('claude');
      const file = join(workspace.work, 'proof.txt');
      const upstream = target.upstream();
      gateway.setBehavior({ zeroStartUsage: true });
      upstream.setBehavior({
        promptTokens: 120,
        completionTokens: 9,
        toolCall: {
          name: 'Bash',
          arguments: { command: `echo tollgate-ok > ${file}`, description: 'Write the proof file' },
          onlyWhenOffered: true,
        },
      });
      const apiKey = await app.createKey({
        userId: `claude-${crypto.randomUUID()}`,
        plan: 'unlimited',
      });
      const result = await runClaude({
        baseURL: `${app.url}/api/anthropic`,
        apiKey,
        model: target.model,
        prompt: 'Write tollgate-ok into proof.txt using the shell.',
        workspace,
      });
      const debug = `exit ${result.code}\n${result.stdout}\n${result.stderr}`;
      expect(existsSync(file), debug).toBe(true);
      expect(readFileSync(file, 'utf8').trim()).toBe('tollgate-ok');
      // The turn went on after the tool ran: the tool result reached the upstream.
      expect(target.sentToolResult(upstream.requests.at(-1)?.body as Json), debug).toBe(true);
      for (const sent of upstream.requests) {
        // The upstream gets the provider's key, never the caller's Tollgate key.
        expect(JSON.stringify(sent.headers)).not.toContain(apiKey);
      }
      if (target.relayed) {
        // Relayed as Claude Code wrote it: its system blocks, tools and beta header.
        const sent = upstream.requests.at(-1);
        const [header, value] = target.relayed.key;
        expect(sent?.path).toBe(target.relayed.path);
        expect(sent?.headers[header]).toBe(value);
        expect(sent?.headers['anthropic-beta']).toBeTruthy();
        expect(sent?.body).toMatchObject({ model: target.relayed.model, stream: true });
        expect(Array.isArray((sent?.body as Json | undefined)?.system)).toBe(true);
      }
      const count = upstream.requests.length;
      expect(await settledTotals(app, apiKey, count)).toMatchObject(reportedTotals(count, 120, 9));
    });
  }
});

describe('@anthropic-ai/sdk through /api/anthropic', () => {
  it('streams a tool round trip and counts tokens', async () => {
    anthropic.setBehavior({
      toolCall: { name: 'get_weather', arguments: { city: 'Oslo' }, id: 'toolu_42' },
      promptTokens: 50,
      cachedTokens: 20,
      cacheWriteTokens: 10,
      completionTokens: 4,
    });
    const apiKey = await app.createKey({ userId: `sdk-${crypto.randomUUID()}`, plan: 'unlimited' });
    const client = new Anthropic({ baseURL: `${app.url}/api/anthropic`, apiKey, maxRetries: 0 });
    const tools = [
      {
        name: 'get_weather',
        description: 'Weather for a city',
        input_schema: {
          type: 'object' as const,
          properties: { city: { type: 'string' } },
          required: ['city'],
        },
      },
    ];
    const question = { role: 'user' as const, content: 'Weather in Oslo?' };
    const first = await client.messages
      .stream({ model: 'test/claude', max_tokens: 256, tools, messages: [question] })
      .finalMessage();
    expect(first.stop_reason).toBe('tool_use');
    const call = first.content.find((block) => block.type === 'tool_use');
    expect(call).toMatchObject({
      type: 'tool_use',
      id: 'toolu_42',
      name: 'get_weather',
      input: { city: 'Oslo' },
    });
    // Anthropic counts cache reads and writes apart from input_tokens.
    expect(first.usage).toMatchObject({
      input_tokens: 20,
      cache_read_input_tokens: 20,
      cache_creation_input_tokens: 10,
      output_tokens: 4,
    });

    const second = await client.messages
      .stream({
        model: 'test/claude',
        max_tokens: 256,
        tools,
        messages: [
          question,
          { role: 'assistant', content: first.content },
          {
            role: 'user',
            content: [{ type: 'tool_result', tool_use_id: 'toolu_42', content: 'Sunny, 21 C' }],
          },
        ],
      })
      .finalMessage();
    expect(second.stop_reason).toBe('end_turn');
    expect(second.content).toEqual([{ type: 'text', text: contentText(5) }]);
    const sent = anthropic.requests[1]?.body as { messages: Array<{ content: unknown }> };
    expect(JSON.stringify(sent.messages.at(-1))).toContain('Sunny, 21 C');

    const counted = await client.messages.countTokens({
      model: 'test/claude',
      messages: [{ role: 'user', content: 'How many tokens is this?' }],
    });
    expect(counted.input_tokens).toBeGreaterThan(5);
    expect(counted.input_tokens).toBeLessThan(40);

    // Cache reads and writes are priced at their own rates: 20 plain, 20 read, 10 written, 4 out.
    const totals = await settledTotals(app, apiKey, 2);
    const perRequestMicroUsd = Math.round(20 * 3 + 20 * 0.3 + 10 * 3.75 + 4 * 15);
    expect(totals.costUsd).toBeCloseTo((2 * perRequestMicroUsd) / 1e6, 9);
    expect(totals).toMatchObject({ requests: 2, inputTokens: 100, outputTokens: 8 });
  });

  it('answers a non-streaming message, and refuses bad input in Anthropic’s error shape', async () => {
    const apiKey = await app.createKey({ userId: `sdk-${crypto.randomUUID()}`, plan: 'unlimited' });
    const client = new Anthropic({ baseURL: `${app.url}/api/anthropic`, apiKey, maxRetries: 0 });
    const message = await client.messages.create({
      model: 'test/compatible',
      max_tokens: 100,
      system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
    });
    expect(message).toMatchObject({
      type: 'message',
      role: 'assistant',
      content: [{ type: 'text', text: ' one two three four five' }],
      stop_reason: 'end_turn',
      usage: { input_tokens: 17, output_tokens: 5 },
    });
    expect(openai.requests[0]?.body).toMatchObject({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hi' },
      ],
    });

    const refused = await fetch(`${app.url}/api/anthropic/v1/messages?beta=true`, {
      method: 'POST',
      headers: {
        'x-api-key': apiKey,
        'content-type': 'application/json',
        'anthropic-version': '2023-06-01',
      },
      body: JSON.stringify({ model: 'test/compatible', max_tokens: 10, messages: [] }),
    });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringContaining('messages') },
    });

    const unknown = await fetch(`${app.url}/api/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'not-a-key', 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'test/compatible',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'x' }],
      }),
    });
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toMatchObject({
      type: 'error',
      error: { type: 'authentication_error' },
    });
    expect(openai.requests).toHaveLength(1);
  });

  it('puts the input estimate in message_start when the relayed upstream reports 0 there', async () => {
    anthropic.setBehavior({ zeroStartUsage: true, promptTokens: 64, completionTokens: 5 });
    const apiKey = await app.createKey({ userId: `sdk-${crypto.randomUUID()}`, plan: 'unlimited' });
    const question = [{ role: 'user', content: 'Tell me a long story.' }];
    const response = await fetch(`${app.url}/api/anthropic/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'test/claude',
        max_tokens: 100,
        stream: true,
        messages: question,
      }),
    });
    const text = await response.text();
    const start = JSON.parse(/event: message_start\ndata: (.+)/.exec(text)?.[1] ?? '{}');
    expect(start.message.usage.input_tokens).toBe(estimatePromptTokens(question));
    // What is billed is what the upstream reported at the end.
    expect(await settledTotals(app, apiKey, 1)).toMatchObject({ inputTokens: 64, outputTokens: 5 });
  });
});
