import { describe, expect, it } from 'vitest';
import { loadConfig } from '@/lib/config/load';
import { createCatalog } from '@/lib/providers/catalog';
import { providerAdapters } from '@/lib/providers/registry';
import type { ListedModel } from '@/lib/providers/types';

const config = loadConfig({
  AI_GATEWAY_API_KEY: 'test-key',
  GATEWAY_CONFIG: JSON.stringify({
    models: {
      'openai/gpt-5.4': {
        name: 'GPT (configured)',
        targets: [{ provider: 'gateway', model: 'openai/gpt-5.4' }],
        pricing: { inputPerMTok: 1, outputPerMTok: 2 },
      },
    },
  }),
});

function fakeGateway(models: ListedModel[]) {
  let calls = 0;
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const adapters = {
    ...providerAdapters,
    gateway: {
      ...providerAdapters.gateway,
      listModels: async () => {
        calls++;
        await gate;
        return models;
      },
    },
  };
  return { adapters, calls: () => calls, release };
}

const published: ListedModel[] = [
  {
    id: 'anthropic/claude-sonnet-4.6',
    name: 'Claude Sonnet',
    pricing: { inputPerMTok: 3, outputPerMTok: 15 },
  },
  { id: 'openai/gpt-5.4', name: 'GPT (published)' },
];

describe('catalog', () => {
  it('fetches a published list once for concurrent callers and reuses it within the TTL', async () => {
    let clock = 0;
    const gateway = fakeGateway(published);
    const catalog = createCatalog({
      config,
      adapters: gateway.adapters,
      ttlMs: 1000,
      now: () => clock,
    });
    const lists = Promise.all([
      catalog.list(),
      catalog.list(),
      catalog.resolve('anthropic/claude-sonnet-4.6'),
    ]);
    gateway.release();
    await lists;
    expect(gateway.calls()).toBe(1);
    clock = 999;
    await catalog.list();
    expect(gateway.calls()).toBe(1);
    clock = 1000;
    await catalog.list();
    expect(gateway.calls()).toBe(2);
  });

  it('lists configured, published and demo models; configured entries win', async () => {
    const gateway = fakeGateway(published);
    gateway.release();
    const entries = await createCatalog({ config, adapters: gateway.adapters }).list();
    expect(entries.map((entry) => entry.id)).toEqual([
      'anthropic/claude-sonnet-4.6',
      'demo/chat',
      'demo/instant',
      'openai/gpt-5.4',
    ]);
    expect(entries.find((entry) => entry.id === 'openai/gpt-5.4')).toMatchObject({
      name: 'GPT (configured)',
      pricing: { inputPerMTok: 1, outputPerMTok: 2 },
      available: true,
    });
    expect(entries.find((entry) => entry.id === 'anthropic/claude-sonnet-4.6')).toMatchObject({
      provider: 'gateway',
      pricing: { inputPerMTok: 3, outputPerMTok: 15 },
    });
  });

  it('resolves a published model to one gateway target and refuses unknown ids', async () => {
    const gateway = fakeGateway(published);
    gateway.release();
    const catalog = createCatalog({ config, adapters: gateway.adapters });
    expect((await catalog.resolve('anthropic/claude-sonnet-4.6')).config.targets).toEqual([
      { provider: 'gateway', model: 'anthropic/claude-sonnet-4.6' },
    ]);
    await expect(catalog.resolve('nobody/nothing')).rejects.toMatchObject({
      code: 'model_not_found',
    });
  });

  it('keeps serving the last list when the provider cannot be reached', async () => {
    let clock = 0;
    let fail = false;
    const adapters = {
      ...providerAdapters,
      gateway: {
        ...providerAdapters.gateway,
        listModels: async () => {
          if (fail) throw new Error('down');
          return published;
        },
      },
    };
    const catalog = createCatalog({ config, adapters, ttlMs: 10, now: () => clock });
    expect((await catalog.list()).length).toBe(4);
    fail = true;
    clock = 100;
    expect((await catalog.list()).length).toBe(4);
  });
});
