import { describe, expect, it } from 'vitest';
import type { Target } from '@/lib/config';
import { loadConfig } from '@/lib/config/load';
import { createCatalog } from '@/lib/providers/catalog';
import { listCandidates, orderByWeight, reservationPricing } from '@/lib/routing/candidates';

const orderTargets = (targets: Target[], random: () => number) =>
  orderByWeight(targets, (target) => target.weight, random);

const config = loadConfig({
  GATEWAY_CONFIG: JSON.stringify({
    providers: {
      a: { type: 'openai-compatible', baseURL: 'http://127.0.0.1:1/v1' },
      b: { type: 'openai-compatible', baseURL: 'http://127.0.0.1:2/v1' },
    },
    models: {
      'x/main': {
        targets: [
          { provider: 'a', model: 'm1' },
          { provider: 'b', model: 'm2' },
        ],
        fallbacks: ['x/backup'],
        pricing: { inputPerMTok: 1, outputPerMTok: 4 },
      },
      'x/backup': {
        targets: [{ provider: 'b', model: 'm3' }],
        pricing: { inputPerMTok: 3, outputPerMTok: 2 },
      },
    },
  }),
});

describe('routing candidates', () => {
  it('lists the targets in order, then each fallback model', async () => {
    const catalog = createCatalog({ config });
    const candidates = await listCandidates(await catalog.resolve('x/main'), { config, catalog });
    expect(candidates.map((candidate) => [candidate.modelId, candidate.key])).toEqual([
      ['x/main', 'a/m1'],
      ['x/main', 'b/m2'],
      ['x/backup', 'b/m3'],
    ]);
    // Any candidate may serve, so a reservation assumes the dearest price of each kind.
    expect(reservationPricing(candidates)).toEqual({ inputPerMTok: 3, outputPerMTok: 4 });
  });

  it('keeps the configured order when no target has a weight', () => {
    const targets = [
      { provider: 'a', model: '1' },
      { provider: 'b', model: '2' },
    ];
    expect(orderTargets(targets, () => 0.99)).toEqual(targets);
  });

  it('spreads load in proportion to the weights', () => {
    const targets = [
      { provider: 'a', model: '1', weight: 3 },
      { provider: 'b', model: '2', weight: 1 },
    ];
    let seed = 0;
    const random = () => {
      seed = (seed * 9301 + 49297) % 233280;
      return seed / 233280;
    };
    const firsts = { a: 0, b: 0 };
    for (let index = 0; index < 4000; index++) {
      const first = orderTargets(targets, random)[0]?.provider as 'a' | 'b';
      firsts[first]++;
    }
    expect(firsts.a / 4000).toBeGreaterThan(0.7);
    expect(firsts.a / 4000).toBeLessThan(0.8);
    expect(orderTargets(targets, () => 0.9).map((target) => target.provider)).toEqual(['b', 'a']);
  });
});
