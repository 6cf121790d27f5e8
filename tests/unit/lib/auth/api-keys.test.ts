import type { Redis } from '@upstash/redis';
import { describe, expect, it } from 'vitest';
import { findApiKey, hashApiKey } from '@/lib/auth/api-keys';
import { recordKeyUse } from '@/lib/auth/key-last-use';
import { redisKeys } from '@/lib/limits/keys';

const key = `tg_${'s'.repeat(40)}`;
const record = { id: 'key_1', userId: 'alice', plan: 'free', name: 'k', createdAt: '' };

describe('findApiKey', () => {
  it('moves a record written before rotation existed to the per-secret hash, once', async () => {
    const hash = await hashApiKey(key);
    const written: unknown[][] = [];
    const chain = {
      hset(...args: unknown[]) {
        written.push(['hset', ...args]);
        return chain;
      },
      del(...args: unknown[]) {
        written.push(['del', ...args]);
        return chain;
      },
      exec: async () => [],
    };
    const redis = {
      hgetall: async () => null,
      get: async (name: string) => (name === redisKeys.apiKeyByHash(hash) ? record : null),
      multi: () => chain,
    } as unknown as Redis;
    expect(await findApiKey(redis, key)).toEqual({ record, hash });
    expect(written).toEqual([
      ['hset', redisKeys.apiKeySecret(hash), { key_1: JSON.stringify(record) }],
      ['del', redisKeys.apiKeyByHash(hash)],
    ]);
  });

  it("an old secret's record ends at its secretExpiresAt", async () => {
    const redis = {
      hgetall: async () => ({ key_1: { ...record, secretExpiresAt: 1000 } }),
    } as unknown as Redis;
    expect(await findApiKey(redis, key, undefined, 999)).not.toBeNull();
    expect(await findApiKey(redis, key, undefined, 1000)).toBeNull();
  });
});

describe('recordKeyUse', () => {
  it("writes a key's last use at most once a minute per instance", async () => {
    const writes: unknown[] = [];
    const redis = { hset: async (_: string, fields: unknown) => writes.push(fields) };
    await recordKeyUse(redis, 'key_throttled', 0);
    await recordKeyUse(redis, 'key_throttled', 59_999);
    await recordKeyUse(redis, 'key_other', 59_999);
    await recordKeyUse(redis, 'key_throttled', 60_000);
    expect(writes).toEqual([
      { key_throttled: 0 },
      { key_other: 59_999 },
      { key_throttled: 60_000 },
    ]);
  });
});
