import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '@/lib/config/load';

const validConfig = {
  defaultModel: 'local/llama3',
  providers: { ollama: { type: 'openai-compatible', baseURL: 'http://127.0.0.1:11434/v1' } },
  models: {
    'local/llama3': {
      name: 'Llama 3 (local)',
      targets: [{ provider: 'ollama', model: 'llama3' }],
      fallbacks: ['demo/chat'],
      pricing: { inputPerMTok: 0, outputPerMTok: 0 },
      contextWindow: 8192,
      maxOutputTokens: 2048,
    },
  },
  plans: { team: { requestsPerMinute: 60, spendPerMonthUsd: 50 } },
  defaultPlan: 'team',
};

function load(gatewayConfig: unknown, env: Record<string, string> = {}) {
  return loadConfig({ GATEWAY_CONFIG: JSON.stringify(gatewayConfig), ...env });
}

function errorOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the config to be rejected');
}

describe('loadConfig', () => {
  it('runs on the built-in defaults with no env at all', () => {
    const config = loadConfig({});
    expect(config.defaultModel).toBe('demo/chat');
    expect(Object.keys(config.providers)).toEqual(['demo']);
    expect(config.plans.guest).toEqual({
      requestsPerMinute: 5,
      requestsPerDay: 50,
      tokensPerDay: 20000,
    });
    expect(config.defaultPlan).toBe('free');
    expect(config.guestPlan).toBe('guest');
    expect(config.maxBodyBytes).toBe(1024 * 1024);
    expect(config.redis).toBeUndefined();
    expect(config.routing).toEqual({
      firstTokenTimeoutMs: 15_000,
      requestTimeoutMs: 24_000,
      circuitFailureThreshold: 5,
      circuitWindowMs: 30_000,
      circuitCooldownMs: 30_000,
    });
  });

  it('merges a valid GATEWAY_CONFIG over the defaults', () => {
    const config = load(validConfig);
    expect(config.defaultModel).toBe('local/llama3');
    expect(config.providers.ollama).toEqual(validConfig.providers.ollama);
    expect(config.models['local/llama3']?.fallbacks).toEqual(['demo/chat']);
    expect(config.models['demo/chat']).toBeDefined();
    expect(config.plans.team?.spendPerMonthUsd).toBe(50);
    expect(config.plans.pro).toBeDefined();
    expect(config.defaultPlan).toBe('team');
  });

  it('adds providers for the API keys in the env, with base URL overrides', () => {
    const config = loadConfig({
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: 'http://127.0.0.1:9999/v1',
      ANTHROPIC_API_KEY: 'sk-ant',
      AI_GATEWAY_API_KEY: 'gw-key',
    });
    expect(config.providers.openai).toEqual({
      type: 'openai',
      apiKey: 'sk-test',
      baseURL: 'http://127.0.0.1:9999/v1',
    });
    expect(config.providers.anthropic).toMatchObject({ type: 'anthropic', apiKey: 'sk-ant' });
    expect(config.providers.gateway).toMatchObject({ type: 'gateway', apiKey: 'gw-key' });
  });

  it('reads Redis from UPSTASH_REDIS_REST_* or the Vercel KV_REST_API_* names', () => {
    expect(
      loadConfig({ UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:1', UPSTASH_REDIS_REST_TOKEN: 't' })
        .redis,
    ).toEqual({ url: 'http://127.0.0.1:1', token: 't' });
    expect(
      loadConfig({ KV_REST_API_URL: 'http://127.0.0.1:2', KV_REST_API_TOKEN: 'k' }).redis,
    ).toEqual({ url: 'http://127.0.0.1:2', token: 'k' });
    expect(errorOf(() => loadConfig({ UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:1' }))).toMatch(
      /^UPSTASH_REDIS_REST_TOKEN: /,
    );
  });

  it('requires SESSION_SECRET in production unless secrets are not needed yet', () => {
    expect(errorOf(() => loadConfig({ NODE_ENV: 'production' }))).toMatch(/^SESSION_SECRET: /);
    expect(loadConfig({ NODE_ENV: 'production' }, { requireSecrets: false }).production).toBe(true);
  });

  it.each([
    ['not JSON', '{nope', /^GATEWAY_CONFIG: not valid JSON/],
    ['an unknown top-level key', { modles: {} }, /^GATEWAY_CONFIG: Unrecognized key: "modles"/],
    [
      'an unknown provider type',
      { providers: { x: { type: 'mystery' } } },
      /^GATEWAY_CONFIG\.providers\.x\.type: /,
    ],
    [
      'a provider without its base URL',
      { providers: { ollama: { type: 'openai-compatible' } } },
      /^GATEWAY_CONFIG\.providers\.ollama\.baseURL: /,
    ],
    [
      'a base URL that is not http(s)',
      { providers: { ollama: { type: 'openai-compatible', baseURL: 'ftp://x' } } },
      /^GATEWAY_CONFIG\.providers\.ollama\.baseURL: /,
    ],
    [
      'a model id without a creator',
      { models: { llama3: { targets: [{ provider: 'demo', model: 'x' }] } } },
      /^GATEWAY_CONFIG\.models\.llama3: /,
    ],
    [
      'a model with no targets',
      { models: { 'a/b': { targets: [] } } },
      /^GATEWAY_CONFIG\.models\["a\/b"\]\.targets: /,
    ],
    [
      'a target naming an unknown provider',
      { models: { 'a/b': { targets: [{ provider: 'olama', model: 'x' }] } } },
      /^GATEWAY_CONFIG\.models\["a\/b"\]\.targets\[0\]\.provider: unknown provider "olama"/,
    ],
    [
      'a fallback that is not a model',
      { models: { 'a/b': { targets: [{ provider: 'demo', model: 'x' }], fallbacks: ['c/d'] } } },
      /^GATEWAY_CONFIG\.models\["a\/b"\]\.fallbacks\[0\]: "c\/d"/,
    ],
    [
      'a negative price',
      {
        models: {
          'a/b': {
            targets: [{ provider: 'demo', model: 'x' }],
            pricing: { inputPerMTok: -1, outputPerMTok: 1 },
          },
        },
      },
      /^GATEWAY_CONFIG\.models\["a\/b"\]\.pricing\.inputPerMTok: /,
    ],
    [
      'a limit of the wrong type',
      { plans: { free: { requestsPerMinute: 'ten' } } },
      /^GATEWAY_CONFIG\.plans\.free\.requestsPerMinute: /,
    ],
    [
      'an unknown limit',
      { plans: { free: { requestsPerHour: 10 } } },
      /^GATEWAY_CONFIG\.plans\.free: Unrecognized key: "requestsPerHour"/,
    ],
    [
      'an unknown default plan',
      { defaultPlan: 'gold' },
      /^GATEWAY_CONFIG\.defaultPlan: unknown plan "gold"/,
    ],
    [
      'an unknown guest plan',
      { guestPlan: 'visitor' },
      /^GATEWAY_CONFIG\.guestPlan: unknown plan "visitor"/,
    ],
    ['an unknown default model', { defaultModel: 'x/y' }, /^GATEWAY_CONFIG\.defaultModel: "x\/y"/],
    [
      'a zero timeout',
      { routing: { firstTokenTimeoutMs: 0 } },
      /^GATEWAY_CONFIG\.routing\.firstTokenTimeoutMs: /,
    ],
  ])('rejects %s with a message naming the field', (_name, gatewayConfig, expected) => {
    const text = typeof gatewayConfig === 'string' ? gatewayConfig : JSON.stringify(gatewayConfig);
    const message = errorOf(() => loadConfig({ GATEWAY_CONFIG: text }));
    expect(message).toMatch(expected);
    expect(message).not.toContain('\n');
  });

  it('rejects a bad env var by name', () => {
    expect(errorOf(() => loadConfig({ ADMIN_TOKEN: 'short' }))).toMatch(/^ADMIN_TOKEN: /);
    expect(errorOf(() => loadConfig({ OPENAI_BASE_URL: 'not a url' }))).toMatch(
      /^OPENAI_BASE_URL: /,
    );
  });

  it('refuses an unresolved @file reference instead of parsing the path as JSON', () => {
    expect(errorOf(() => loadConfig({ GATEWAY_CONFIG: '@config/gateway.json' }))).toMatch(
      /^GATEWAY_CONFIG: the file @config\/gateway.json was not read/,
    );
  });
});
