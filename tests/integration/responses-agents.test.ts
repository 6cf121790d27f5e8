import { existsSync, readFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { join } from 'node:path';
import { Agent, run, setDefaultOpenAIClient, setTracingDisabled, tool } from '@openai/agents';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type GatewayUpstream, startGatewayUpstream } from '../doubles/gateway-upstream';
import { contentText, type OpenAIUpstream, startOpenAIUpstream } from '../doubles/openai-upstream';
import { agentWorkspace, type Json, lastOf, runCodex } from '../support/agents';
import { startTestApp, type TestApp } from '../support/app';
import { settledTotals } from '../support/usage';

let upstream: OpenAIUpstream;
let gateway: GatewayUpstream;
let app: TestApp;

beforeAll(async () => {
  upstream = await startOpenAIUpstream();
  gateway = await startGatewayUpstream();
  app = await startTestApp({
    gatewayConfig: {
      providers: {
        compatible: { type: 'openai-compatible', baseURL: upstream.baseURL, apiKey: 'compat-key' },
        openai: { type: 'openai', baseURL: upstream.baseURL, apiKey: 'openai-key' },
        gateway: { type: 'gateway', baseURL: gateway.baseURL, apiKey: 'gateway-key' },
      },
      plans: { unlimited: {} },
      models: {
        'test/compatible': {
          targets: [{ provider: 'compatible', model: 'compat-1' }],
          pricing: { inputPerMTok: 1, outputPerMTok: 2 },
        },
        'test/gateway-openai': {
          targets: [{ provider: 'gateway', model: 'openai/gpt-5.4' }],
          pricing: { inputPerMTok: 1, outputPerMTok: 2 },
        },
        'test/openai': {
          targets: [{ provider: 'openai', model: 'gpt-double' }],
          pricing: { inputPerMTok: 1, outputPerMTok: 2 },
        },
      },
      aliases: { 'gpt-5.5-codex': 'test/compatible' },
    },
  });
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

describe('Codex (codex exec) through /api/v1/responses', () => {
  for (const target of [
    {
      name: 'a translated OpenAI-compatible target',
      model: 'gpt-5.5-codex',
      upstream: () => upstream,
      sentToolResult: (body: Json) => lastOf(body.messages)?.role === 'tool',
    },
    {
      name: 'a relayed openai target',
      model: 'test/openai',
      upstream: () => upstream,
      sentToolResult: (body: Json) => lastOf(body.input)?.type === 'function_call_output',
    },
    {
      name: "the AI Gateway's Responses endpoint (relayed)",
      model: 'test/gateway-openai',
      upstream: () => gateway,
      sentToolResult: (body: Json) => lastOf(body.input)?.type === 'function_call_output',
    },
  ]) {
    it(`runs the shell tool the model calls, via ${target.name}, and records the upstream's usage`, async () => {
      const workspace = agentWorkspace('codex');
      const file = join(workspace.work, 'proof.txt');
      const served = target.upstream();
      served.setBehavior({
        promptTokens: 300,
        completionTokens: 11,
        toolCall: {
          name: 'exec_command',
          arguments: { cmd: `echo tollgate-ok > ${file}` },
          onlyWhenOffered: true,
        },
      });
      const apiKey = await app.createKey({
        userId: `codex-${crypto.randomUUID()}`,
        plan: 'unlimited',
      });
      const result = await runCodex({
        baseURL: `${app.url}/api/v1`,
        apiKey,
        model: target.model,
        prompt: 'Write tollgate-ok into proof.txt using the shell.',
        workspace,
      });
      const debug = `exit ${result.code}\n${result.stdout}\n${result.stderr}`;
      expect(existsSync(file), debug).toBe(true);
      expect(readFileSync(file, 'utf8').trim()).toBe('tollgate-ok');
      // The turn went on after the tool ran: its output reached the upstream.
      expect(target.sentToolResult(served.requests.at(-1)?.body as Json), debug).toBe(true);
      for (const sent of served.requests) {
        expect(JSON.stringify(sent.headers)).not.toContain(apiKey);
      }
      const count = served.requests.length;
      expect(await settledTotals(app, apiKey, count)).toMatchObject({
        requests: count,
        inputTokens: count * 300,
        outputTokens: count * 11,
      });
    });
  }

  it('never upgrades to the WebSocket transport: Codex with supports_websockets = true falls back to HTTP', async () => {
    const workspace = agentWorkspace('codex-ws');
    const file = join(workspace.work, 'proof.txt');
    upstream.setBehavior({
      toolCall: {
        name: 'exec_command',
        arguments: { cmd: `echo tollgate-ok > ${file}` },
        onlyWhenOffered: true,
      },
    });
    const apiKey = await app.createKey({
      userId: `codex-${crypto.randomUUID()}`,
      plan: 'unlimited',
    });
    const result = await runCodex({
      baseURL: `${app.url}/api/v1`,
      apiKey,
      model: 'test/compatible',
      prompt: 'Write tollgate-ok into proof.txt using the shell.',
      workspace,
      supportsWebsockets: true,
    });
    expect(existsSync(file), `exit ${result.code}\n${result.stdout}\n${result.stderr}`).toBe(true);
    // `next start` closes an upgrade request itself before any route sees it; a plain GET (what
    // a proxy that does not upgrade passes on) gets the route's 426.
    const upgraded = await new Promise<boolean>((resolve) => {
      const request = httpGet(`${app.url}/api/v1/responses`, {
        headers: {
          connection: 'Upgrade',
          upgrade: 'websocket',
          'sec-websocket-version': '13',
          'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        },
      });
      request.on('upgrade', (_, socket) => {
        socket.destroy();
        resolve(true);
      });
      request.on('response', (response) => {
        response.resume();
        resolve(false);
      });
      request.on('error', () => resolve(false));
    });
    expect(upgraded).toBe(false);
    const refusal = await fetch(`${app.url}/api/v1/responses`);
    expect(refusal.status).toBe(426);
    expect(await refusal.json()).toMatchObject({ error: { code: 'websocket_not_supported' } });
  });
});

describe('the openai client and @openai/agents through /api/v1/responses', () => {
  it('completes a tool-using run of the Agents SDK with its default Responses model', async () => {
    upstream.setBehavior({
      toolCall: { name: 'get_weather', arguments: { city: 'Oslo' }, onlyWhenOffered: true },
    });
    const apiKey = await app.createKey({
      userId: `agents-${crypto.randomUUID()}`,
      plan: 'unlimited',
    });
    setTracingDisabled(true);
    setDefaultOpenAIClient(new OpenAI({ baseURL: `${app.url}/api/v1`, apiKey, maxRetries: 0 }));
    const cities: string[] = [];
    const getWeather = tool({
      name: 'get_weather',
      description: 'Weather for a city',
      parameters: z.object({ city: z.string() }),
      execute: async ({ city }) => {
        cities.push(city);
        return `Sunny in ${city}`;
      },
    });
    const agent = new Agent({
      name: 'Weather',
      instructions: 'Answer with the weather.',
      model: 'test/compatible',
      tools: [getWeather],
    });
    const result = await run(agent, 'Weather in Oslo?', { stream: true });
    await result.completed;
    expect(cities).toEqual(['Oslo']);
    expect(result.finalOutput).toBe(contentText(5));
    const second = upstream.requests[1]?.body as {
      messages: Array<{ role: string; content: unknown }>;
    };
    expect(second.messages.at(-1)).toMatchObject({ role: 'tool', content: 'Sunny in Oslo' });
  });

  it('answers a non-streaming response and streams typed events with sequence numbers', async () => {
    upstream.setBehavior({ promptTokens: 30, cachedTokens: 10, chunkCount: 3 });
    const apiKey = await app.createKey({
      userId: `responses-${crypto.randomUUID()}`,
      plan: 'unlimited',
    });
    const client = new OpenAI({ baseURL: `${app.url}/api/v1`, apiKey, maxRetries: 0 });
    const response = await client.responses.create({
      model: 'test/compatible',
      instructions: 'Be brief.',
      input: [
        { role: 'developer', content: 'Use plain words.' },
        { role: 'user', content: 'hi' },
      ],
      store: false,
    });
    expect(response.status).toBe('completed');
    expect(response.output_text).toBe(contentText(3));
    expect(response.usage).toMatchObject({
      input_tokens: 30,
      output_tokens: 3,
      total_tokens: 33,
      input_tokens_details: { cached_tokens: 10 },
    });
    expect(upstream.requests[0]?.body).toMatchObject({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'system', content: 'Use plain words.' },
        { role: 'user', content: 'hi' },
      ],
    });

    const stream = await client.responses.create({
      model: 'test/compatible',
      input: 'hi',
      stream: true,
    });
    const events: Array<{ type: string; sequence_number: number }> = [];
    for await (const event of stream) events.push(event);
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
    expect(events.map((event) => event.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
  });

  it('refuses bad input with a 400 that names the field, and changes nothing', async () => {
    const apiKey = await app.createKey({
      userId: `responses-${crypto.randomUUID()}`,
      plan: 'unlimited',
    });
    const post = (body: unknown) =>
      fetch(`${app.url}/api/v1/responses`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const chained = await post({
      model: 'test/compatible',
      input: 'hi',
      previous_response_id: 'resp_1',
    });
    expect(chained.status).toBe(400);
    expect(await chained.json()).toMatchObject({ error: { param: 'previous_response_id' } });
    const orphan = await post({
      model: 'test/compatible',
      input: [{ type: 'function_call_output', call_id: 'call_x', output: 'done' }],
    });
    expect(orphan.status).toBe(400);
    expect(await orphan.json()).toMatchObject({ error: { param: 'input[0].call_id' } });
    expect(upstream.requests).toHaveLength(0);
  });
});
