import type { ApiKeyRecord } from './api-keys';

/**
 * API-key records kept in the isolate, so that a chat request needs no Redis round trip to learn
 * who its key belongs to. A record cannot go stale: a key's user, plan and policy never change,
 * its expiry and a rotated secret's end are timestamps in the record, and whether the secret
 * (or a session's key) still exists is checked by chat admission on every request, in the same
 * round trip as the limits (lib/limits/scripts.ts); every other endpoint looks its key up
 * without the cache. So revocation and the end of a rotation's grace do not wait for an entry
 * to expire, and entries a key keeps using stay. Entries are by secret hash, or `id:<key id>`
 * for sessions.
 */
export interface ApiKeyCache {
  get(cacheKey: string): ApiKeyRecord | undefined;
  set(cacheKey: string, record: ApiKeyRecord): void;
}

export interface ApiKeyCacheOptions {
  /** How long a record stays once its key stops being used. Default: 10 minutes. */
  idleTtlMs?: number;
  /** Records kept at most; the least recently used goes first. Default: 10,000. */
  maxEntries?: number;
  now?: () => number;
}

export function createApiKeyCache({
  idleTtlMs = 10 * 60_000,
  maxEntries = 10_000,
  now = Date.now,
}: ApiKeyCacheOptions = {}): ApiKeyCache {
  // A Map iterates in insertion order and every use re-inserts: the first entry is the least
  // recently used.
  const entries = new Map<string, { record: ApiKeyRecord; expiresAt: number }>();
  const remember = (hash: string, record: ApiKeyRecord) => {
    entries.delete(hash);
    entries.set(hash, { record, expiresAt: now() + idleTtlMs });
  };
  return {
    get(hash) {
      const entry = entries.get(hash);
      if (!entry) return undefined;
      if (entry.expiresAt <= now()) {
        entries.delete(hash);
        return undefined;
      }
      remember(hash, entry.record);
      return entry.record;
    },
    set(hash, record) {
      if (!entries.has(hash) && entries.size >= maxEntries) {
        const oldest = entries.keys().next();
        if (!oldest.done) entries.delete(oldest.value);
      }
      remember(hash, record);
    },
  };
}
