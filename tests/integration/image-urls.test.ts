import { lookup } from 'node:dns/promises';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnthropicUpstream, startAnthropicUpstream } from '../doubles/anthropic-upstream';
import { type GatewayUpstream, startGatewayUpstream } from '../doubles/gateway-upstream';
import { type OpenAIUpstream, startOpenAIUpstream } from '../doubles/openai-upstream';
import { startTestApp, type TestApp } from '../support/app';

/**
 * The gateway never fetches a URL a client sent (issue 11, defect 1). A listener on 127.0.0.1,
 * named by a host name that resolves to it (what a literal-address check cannot catch), is sent
 * as an image URL to every provider type on both chat routes, and must receive nothing.
 */
let listener: Server;
let listenerHits = 0;
let imageUrl: string;
let compatible: OpenAIUpstream;
let openai: OpenAIUpstream;
let anthropic: AnthropicUpstream;
let gateway: GatewayUpstream;
let app: TestApp;
let apiKey: string;

beforeAll(async () => {
  listener = createServer((_request, response) => {
    listenerHits += 1;
    response.writeHead(200, { 'content-type': 'image/png' }).end('not really a png');
  });
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const { port } = listener.address() as AddressInfo;
  // This machine's own name resolves to a loopback address here; otherwise the literal address
  // is sent, which the request check refuses outright.
  const local = await lookup(hostname()).catch(() => undefined);
  imageUrl = `http://${local?.address.startsWith('127.') ? hostname() : '127.0.0.1'}:${port}/cat.png`;

  [compatible, openai, anthropic, gateway] = await Promise.all([
    startOpenAIUpstream(),
    startOpenAIUpstream(),
    startAnthropicUpstream(),
    startGatewayUpstream(),
  ]);
  app = await startTestApp({
    gatewayConfig: {
      providers: {
        compatible: { type: 'openai-compatible', baseURL: compatible.baseURL },
        openai: { type: 'openai', baseURL: openai.baseURL, apiKey: 'openai-key' },
        claude: { type: 'anthropic', baseURL: anthropic.baseURL, apiKey: 'anthropic-key' },
        gateway: { type: 'gateway', baseURL: gateway.baseURL, apiKey: 'gateway-key' },
      },
      plans: { roomy: {} },
      models: {
        'img/compatible': { targets: [{ provider: 'compatible', model: 'vision-1' }] },
        'img/openai': { targets: [{ provider: 'openai', model: 'gpt-vision' }] },
        'img/claude': { targets: [{ provider: 'claude', model: 'claude-sonnet-4-5' }] },
        'img/gateway': { targets: [{ provider: 'gateway', model: 'openai/gpt-5.4' }] },
      },
    },
  });
  apiKey = await app.createKey({ userId: 'image-user', plan: 'roomy' });
});
afterAll(async () => {
  await app?.stop();
  await Promise.all([compatible?.close(), openai?.close(), anthropic?.close(), gateway?.close()]);
  listener?.close();
});

const headers = () => ({ 'content-type': 'application/json', authorization: `Bearer ${apiKey}` });

function completion(model: string, url: string) {
  return fetch(`${app.url}/api/v1/chat/completions`, {
    method: 'POST',
    headers: headers(),
    body: JSON.stringify({
      model,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url } },
          ],
        },
      ],
    }),
  });
}

function uiChat(model: string, url: string) {
  return fetch(`${app.url}/api/chat`, {
    method: 'POST',
    headers: headers(),
    body: JSON.stringify({
      model,
      stream: false,
      messages: [
        {
          role: 'user',
          parts: [
            { type: 'text', text: 'What is this?' },
            { type: 'file', mediaType: 'image/png', url },
          ],
        },
      ],
    }),
  });
}

const upstreams = () => ({
  'img/compatible': compatible,
  'img/openai': openai,
  'img/claude': anthropic,
  'img/gateway': gateway,
});

describe('image URLs are passed on, never fetched', () => {
  it.each(['img/compatible', 'img/openai', 'img/claude', 'img/gateway'] as const)(
    '%s gets the URL unchanged on both routes, and the listener nothing',
    async (model) => {
      const upstream = upstreams()[model];
      for (const send of [completion, uiChat]) {
        const before = upstream.requests.length;
        const response = await send(model, imageUrl);
        expect(response.status, await response.clone().text()).toBe(200);
        await response.text();
        expect(upstream.requests.length).toBe(before + 1);
        expect(JSON.stringify(upstream.requests.at(-1)?.body)).toContain(imageUrl);
      }
      expect(listenerHits).toBe(0);
    },
  );

  it('a target that cannot take a URL (the demo) is a 400 asking for a data: URL', async () => {
    for (const send of [completion, uiChat]) {
      const response = await send('demo/instant', imageUrl);
      expect(response.status).toBe(400);
      expect((await response.json()).error.message).toContain('data: URL');
    }
    // A data: URL works there.
    const inline = await completion('demo/instant', 'data:image/png;base64,iVBORw0KGgo=');
    expect(inline.status).toBe(200);
    expect(listenerHits).toBe(0);
  });

  it.each([
    ['an SVG data: URL', 'data:image/svg+xml;base64,PHN2Zz48L3N2Zz4='],
    ['bad base64', 'data:image/png;base64,%%%'],
    ['a literal loopback address', 'http://127.0.0.1:1/x.png'],
    ['the metadata address', 'http://169.254.169.254/latest/meta-data'],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['a file: URL', 'file:///etc/passwd'],
    ['a malformed URL', 'http://exa mple.com/x.png'],
  ])('%s is a 400 in the error shape on both routes', async (_name, url) => {
    for (const send of [completion, uiChat]) {
      const response = await send('img/compatible', url);
      expect(response.status).toBe(400);
      expect((await response.json()).error).toMatchObject({
        code: 'invalid_request',
        param: expect.stringContaining('messages[0]'),
      });
    }
    expect(
      compatible.requests.every((request) => !JSON.stringify(request.body).includes(url)),
    ).toBe(true);
  });
});
