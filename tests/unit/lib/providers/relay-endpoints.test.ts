import { describe, expect, it } from 'vitest';
import { gatewayOpenAIBaseURL } from '@/lib/providers/gateway';
import { relayEndpointOf } from '@/lib/providers/registry';

const model = { targets: [{ provider: 'p', model: 'm' }] };

describe('where each provider type is relayed to', () => {
  it('maps the AI Gateway base URL to its OpenAI-compatible /v1', () => {
    expect(gatewayOpenAIBaseURL()).toBe('https://ai-gateway.vercel.sh/v1');
    expect(gatewayOpenAIBaseURL('http://127.0.0.1:9/v4/ai/')).toBe('http://127.0.0.1:9/v1');
    expect(gatewayOpenAIBaseURL('https://proxy.example/gw')).toBe('https://proxy.example/gw/v1');
  });

  it('relays OpenAI, OpenAI-compatible and gateway targets, with their credentials and cap field', async () => {
    const openai = relayEndpointOf({ type: 'openai', apiKey: 'sk-test' }, 'openai-chat');
    expect(await openai?.({ model })).toEqual({
      baseURL: 'https://api.openai.com/v1',
      headers: { authorization: 'Bearer sk-test' },
      outputCapField: 'max_completion_tokens',
    });
    const compatible = relayEndpointOf(
      {
        type: 'openai-compatible',
        baseURL: 'http://127.0.0.1:11434/v1/',
        headers: { 'x-team': 'a' },
      },
      'openai-chat',
    );
    expect(await compatible?.({ model })).toEqual({
      baseURL: 'http://127.0.0.1:11434/v1',
      headers: { 'x-team': 'a' },
      outputCapField: 'max_tokens',
    });
    const gateway = relayEndpointOf({ type: 'gateway', apiKey: 'vck_x' }, 'openai-chat');
    expect(await gateway?.({ model: { ...model, gateway: { order: ['bedrock'] } } })).toMatchObject(
      {
        baseURL: 'https://ai-gateway.vercel.sh/v1',
        headers: { authorization: 'Bearer vck_x', 'ai-gateway-auth-method': 'api-key' },
        bodyOptions: { providerOptions: { gateway: { order: ['bedrock'] } } },
      },
    );
  });

  it('translates for the demo', () => {
    expect(relayEndpointOf({ type: 'demo' }, 'openai-chat')).toBeUndefined();
  });
});
