import type { ApiKeyRecord } from './api-keys';

/**
 * API-key records kept in the isolate, so that a chat request needs no Redis round trip to learn
 * who its key belongs to. Revocation does not wait for an entry to expire: chat admission checks
 * that the key still exists in the same round trip as the limits (lib/limits/scripts.ts), and
 * every other endpoint looks its key up without the cache. A key's user and plan never change.
 */
export interface ApiKeyCache {
  get(hash: string): ApiKeyRecord | undefined;
  set(hash: string, record: ApiKeyRecord): void;
}

export interface ApiKeyCacheOptions {
  /** How long a record is reused. Default: 5 minutes. */
  ttlMs?: number;
  /** Records kept at most; the oldest goes first. Default: 10,000. */
  maxEntries?: number;
  now?: () => number;
}

export function createApiKeyCache({
  ttlMs = 5 * 60_000,
  maxEntries = 10_000,
  now = Date.now,
}: ApiKeyCacheOptions = {}): ApiKeyCache {
  // A Map iterates in insertion order, and `set` re-inserts: the first key is the oldest.
  const entries = new Map<string, { record: ApiKeyRecord; expiresAt: number }>();
  return {
    get(hash) {
      const entry = entries.get(hash);
      if (!entry) return undefined;
      if (entry.expiresAt > now()) return entry.record;
      entries.delete(hash);
      return undefined;
    },
    set(hash, record) {
      entries.delete(hash);
      if (entries.size >= maxEntries) {
        const oldest = entries.keys().next();
        if (!oldest.done) entries.delete(oldest.value);
      }
      entries.set(hash, { record, expiresAt: now() + ttlMs });
    },
  };
}
