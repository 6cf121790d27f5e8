import type { Redis } from '@upstash/redis';
import type { Limits } from '@/lib/config';
import { redisKeys } from '@/lib/limits/keys';
import { randomToken, sha256Hex } from './encoding';
import type { ApiKeyCache } from './key-cache';

export interface ApiKeyRecord {
  id: string;
  userId: string;
  plan: string;
  name: string;
  /** ISO 8601. */
  createdAt: string;
  /** The key's own limits, on top of its plan's. Default: none. */
  limits?: Limits;
}

const keyPrefix = 'tg_';

/** Keys are only ever stored as this hash; the key itself is shown once, at creation. */
export const hashApiKey = (key: string) => sha256Hex(key);

export function looksLikeApiKey(value: string): boolean {
  return value.startsWith(keyPrefix) && value.length > keyPrefix.length + 20;
}

export async function createApiKey(
  redis: Redis,
  fields: Pick<ApiKeyRecord, 'userId' | 'plan' | 'name'>,
  now = Date.now(),
): Promise<{ record: ApiKeyRecord; key: string }> {
  const key = `${keyPrefix}${randomToken(32)}`;
  const hash = await hashApiKey(key);
  const record: ApiKeyRecord = {
    id: `key_${randomToken(9)}`,
    ...fields,
    createdAt: new Date(now).toISOString(),
  };
  await redis
    .multi()
    .set(redisKeys.apiKeyByHash(hash), JSON.stringify(record))
    .hset(redisKeys.apiKeys(), { [record.id]: JSON.stringify({ ...record, hash }) })
    .exec();
  return { record, key };
}

/**
 * The record of a key, or null when it is unknown or revoked. With a cache, a record found before
 * is reused without asking Redis: only for callers that check the key still exists themselves.
 */
export async function findApiKey(
  redis: Redis,
  key: string,
  cache?: ApiKeyCache,
): Promise<ApiKeyRecord | null> {
  if (!looksLikeApiKey(key)) return null;
  const hash = await hashApiKey(key);
  const cached = cache?.get(hash);
  if (cached) return cached;
  const record = await redis.get<ApiKeyRecord>(redisKeys.apiKeyByHash(hash));
  if (record) cache?.set(hash, record);
  return record;
}

/** Whether a key id is still valid: a signed-in session re-checks this on every request. */
export async function isApiKeyActive(redis: Redis, id: string): Promise<boolean> {
  return (await redis.hexists(redisKeys.apiKeys(), id)) === 1;
}

export async function listApiKeys(redis: Redis): Promise<ApiKeyRecord[]> {
  const all =
    (await redis.hgetall<Record<string, ApiKeyRecord & { hash?: string }>>(redisKeys.apiKeys())) ??
    {};
  return Object.values(all)
    .map(({ hash: _hash, ...record }) => record)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/**
 * Revocation takes effect on the very next request: chat admission checks the key id in Redis
 * whatever its record cache holds, other endpoints look the key up every time.
 */
export async function revokeApiKey(redis: Redis, id: string): Promise<boolean> {
  const stored = await redis.hget<ApiKeyRecord & { hash: string }>(redisKeys.apiKeys(), id);
  if (!stored) return false;
  await redis.multi().del(redisKeys.apiKeyByHash(stored.hash)).hdel(redisKeys.apiKeys(), id).exec();
  return true;
}
