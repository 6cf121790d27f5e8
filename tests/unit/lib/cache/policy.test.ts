import { describe, expect, it } from 'vitest';
import { cachePolicyOf, readCacheControl } from '@/lib/cache/policy';
import type { ModelConfig } from '@/lib/config';

const target = { targets: [{ provider: 'p', model: 'm' }] } satisfies ModelConfig;
const config = {
  models: {
    'test/cached': { ...target, cache: { maxAgeSeconds: 600 } },
    'test/plain': target,
    'test/never': { ...target, cache: { maxAgeSeconds: 0 } },
  },
};
const policy = (modelId: string, cacheControl: string | null = null, plan = {}) =>
  cachePolicyOf(config, { plan, modelId, cacheControl });

describe('readCacheControl', () => {
  it.each([
    [null, { bypass: false }],
    ['max-age=60', { bypass: false, maxAgeSeconds: 60 }],
    ['Max-Age = 60 , no-transform', { bypass: false, maxAgeSeconds: 60 }],
    ['max-age="30"', { bypass: false, maxAgeSeconds: 30 }],
    ['max-age=soon', { bypass: false, maxAgeSeconds: 0 }],
    ['max-age=60, max-age=5', { bypass: false, maxAgeSeconds: 5 }],
    ['no-cache', { bypass: true }],
    ['max-age=60, no-store', { bypass: true, maxAgeSeconds: 60 }],
  ])('reads %s', (header, expected) => {
    expect(readCacheControl(header)).toEqual(expected);
  });
});

describe('cachePolicyOf', () => {
  it('is off unless the model or the plan enables it, whatever the request asks', () => {
    expect(policy('test/plain', 'max-age=60')).toEqual({ mode: 'off' });
    expect(policy('unknown/model')).toEqual({ mode: 'off' });
  });

  it('uses the configured age when the request names none, and caps what it names', () => {
    expect(policy('test/cached')).toEqual({ mode: 'use', maxAgeMs: 600_000, ttlSeconds: 600 });
    expect(policy('test/cached', 'max-age=60')).toEqual({
      mode: 'use',
      maxAgeMs: 60_000,
      ttlSeconds: 600,
    });
    expect(policy('test/cached', 'max-age=6000')).toEqual({
      mode: 'use',
      maxAgeMs: 600_000,
      ttlSeconds: 600,
    });
  });

  it('is enabled by a plan, and the smaller of the plan and model ages wins', () => {
    const plan = { cache: { maxAgeSeconds: 60 } };
    expect(policy('test/plain', null, plan)).toEqual({
      mode: 'use',
      maxAgeMs: 60_000,
      ttlSeconds: 60,
    });
    expect(policy('test/cached', null, plan)).toMatchObject({ ttlSeconds: 60 });
    expect(policy('test/never', null, plan)).toEqual({ mode: 'off' });
  });

  it("is enabled by the team's plan too: the smallest age of the model, the plan and the team's plan wins, a 0 on any switches it off", () => {
    const teamPolicy = (modelId: string, plan: object, teamPlan: object) =>
      cachePolicyOf(config, { plan, teamPlan, modelId, cacheControl: null });
    const team = { cache: { maxAgeSeconds: 120 } };
    expect(teamPolicy('test/plain', {}, team)).toEqual({
      mode: 'use',
      maxAgeMs: 120_000,
      ttlSeconds: 120,
    });
    expect(teamPolicy('test/cached', { cache: { maxAgeSeconds: 300 } }, team)).toMatchObject({
      ttlSeconds: 120,
    });
    expect(teamPolicy('test/plain', { cache: { maxAgeSeconds: 30 } }, team)).toMatchObject({
      ttlSeconds: 30,
    });
    expect(teamPolicy('test/cached', {}, { cache: { maxAgeSeconds: 0 } })).toEqual({ mode: 'off' });
    expect(teamPolicy('test/plain', { cache: { maxAgeSeconds: 0 } }, team)).toEqual({
      mode: 'off',
    });
    expect(teamPolicy('test/plain', {}, {})).toEqual({ mode: 'off' });
  });

  it('bypasses on no-cache and no-store', () => {
    expect(policy('test/cached', 'no-cache')).toEqual({ mode: 'bypass' });
    expect(policy('test/cached', 'no-store')).toEqual({ mode: 'bypass' });
  });
});
