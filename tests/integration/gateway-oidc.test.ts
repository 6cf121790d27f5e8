import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayUpstream, startGatewayUpstream } from '../doubles/gateway-upstream';
import { contentText } from '../doubles/openai-upstream';
import { startTestApp, type TestApp } from '../support/app';
import { readUIStream, textOf } from '../support/ui-stream';

let gateway: GatewayUpstream;
let app: TestApp;
let apiKey: string;

beforeAll(async () => {
  gateway = await startGatewayUpstream();
  // No AI_GATEWAY_API_KEY: the deployment's OIDC token is the only credential, as on Vercel.
  app = await startTestApp({
    env: { VERCEL_OIDC_TOKEN: 'oidc-token-from-vercel', AI_GATEWAY_BASE_URL: gateway.baseURL },
    gatewayConfig: { plans: { unlimited: {} } },
  });
  apiKey = await app.createKey({ userId: 'oidc-user', plan: 'unlimited' });
});
afterAll(async () => {
  await app?.stop();
  await gateway?.close();
});

describe('the AI Gateway with only a Vercel OIDC token', () => {
  it('sends the OIDC token from an edge route of the production build', async () => {
    const response = await fetch(`${app.url}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({
        model: 'openai/gpt-5.4',
        messages: [{ role: 'user', content: 'hi' }],
      }),
    });
    expect(response.status).toBe(200);
    expect(textOf(await readUIStream(response))).toBe(contentText(5));
    const call = gateway.requests.find((request) => request.path.endsWith('/language-model'));
    expect(call?.headers.authorization).toBe('Bearer oidc-token-from-vercel');
    expect(call?.headers['ai-gateway-auth-method']).toBe('oidc');
    const listing = gateway.requests.find((request) => request.path.endsWith('/config'));
    expect(listing?.headers.authorization).toBe('Bearer oidc-token-from-vercel');
  });

  it('relays /api/v1 to the gateway at /v1 with the OIDC token', async () => {
    const response = await fetch(`${app.url}/api/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({
        model: 'openai/gpt-5.4',
        messages: [{ role: 'user', content: 'hi' }],
      }),
    });
    expect(response.status).toBe(200);
    expect((await response.json()).choices[0].message.content).toBe(contentText(5));
    const call = gateway.requests.find((request) => request.path === '/v1/chat/completions');
    expect(call?.headers.authorization).toBe('Bearer oidc-token-from-vercel');
    expect(call?.headers['ai-gateway-auth-method']).toBe('oidc');
  });
});
