import { describe, expect, it } from 'vitest';
import type { ApiKeyRecord } from '@/lib/auth/api-keys';
import { createApiKeyCache } from '@/lib/auth/key-cache';

const record = (id: string): ApiKeyRecord => ({
  id,
  userId: `user-${id}`,
  plan: 'free',
  name: id,
  createdAt: '2026-01-01T00:00:00.000Z',
});

describe('the API-key record cache', () => {
  it('keeps a record while its key is used, and drops it once idle for the TTL', () => {
    let time = 0;
    const cache = createApiKeyCache({ idleTtlMs: 1000, now: () => time });
    cache.set('a', record('a'));
    for (time = 900; time <= 5000; time += 900) expect(cache.get('a')?.id).toBe('a');
    time += 1000;
    expect(cache.get('a')).toBeUndefined();
  });

  it('drops the least recently used record when full', () => {
    const cache = createApiKeyCache({ maxEntries: 2 });
    cache.set('a', record('a'));
    cache.set('b', record('b'));
    cache.get('a');
    cache.set('c', record('c'));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')?.id).toBe('a');
    expect(cache.get('c')?.id).toBe('c');
  });
});
