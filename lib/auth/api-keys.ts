import type { Redis } from '@upstash/redis';
import { GatewayError } from '@/lib/errors';
import { redisKeys } from '@/lib/limits/keys';
import { randomToken, sha256Hex } from './encoding';
import type { ApiKeyCache } from './key-cache';
import type { KeyPolicy } from './key-policy';

export interface ApiKeyRecord extends KeyPolicy {
  id: string;
  userId: string;
  plan: string;
  name: string;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601: when the secret was last replaced. */
  rotatedAt?: string;
  /** Epoch ms: set on the old secret of a rotated key, which stops working then. */
  secretExpiresAt?: number;
}

/** A key's entry in the list of keys: its record and the hashes of its secrets. */
export interface StoredKey extends ApiKeyRecord {
  hash: string;
  /** The secret a rotation replaced, valid until `previousSecretExpiresAt`. */
  previousHash?: string;
  previousSecretExpiresAt?: number;
}

/** What `GET /api/keys` shows of a key: no secret, no hash. */
export interface ListedApiKey extends ApiKeyRecord {
  /** ISO 8601: when the old secret of the last rotation stops working. */
  previousSecretExpiresAt?: string;
  /** ISO 8601, or null when never used (kept to the minute, see `recordKeyUse`). */
  lastUsedAt: string | null;
  expired: boolean;
}

export const keyPrefix = 'tg_';

/** Keys are only ever stored as this hash; the key itself is shown once, at creation. */
export const hashApiKey = (key: string) => sha256Hex(key);

export function looksLikeApiKey(value: string): boolean {
  return value.startsWith(keyPrefix) && value.length > keyPrefix.length + 20;
}

export type NewApiKey = Pick<ApiKeyRecord, 'userId' | 'plan' | 'name'> & KeyPolicy;

/** Checks what a key's policy refers to: an expiry in the future, a team that exists. */
async function checkPolicy(redis: Redis, policy: KeyPolicy, now: number): Promise<void> {
  if (policy.expiresAt !== undefined && Date.parse(policy.expiresAt) <= now) {
    throw new GatewayError('invalid_request', 'expiresAt: must be in the future', {
      param: 'expiresAt',
    });
  }
  if (policy.teamId !== undefined && !(await redis.hexists(redisKeys.teams(), policy.teamId))) {
    throw new GatewayError('invalid_request', `teamId: unknown team "${policy.teamId}"`, {
      param: 'teamId',
    });
  }
}

export async function createApiKey(
  redis: Redis,
  fields: NewApiKey,
  now = Date.now(),
): Promise<{ record: ApiKeyRecord; key: string }> {
  await checkPolicy(redis, fields, now);
  const key = `${keyPrefix}${randomToken(32)}`;
  const hash = await hashApiKey(key);
  const record: ApiKeyRecord = {
    id: `key_${randomToken(9)}`,
    ...fields,
    createdAt: new Date(now).toISOString(),
  };
  await redis
    .multi()
    .hset(redisKeys.apiKeySecret(hash), { [record.id]: JSON.stringify(record) })
    .hset(redisKeys.apiKeys(), { [record.id]: JSON.stringify({ ...record, hash }) })
    .exec();
  return { record, key };
}

/** The record a secret maps to: moved from the layout before rotation on first read. */
async function readSecret(redis: Redis, hash: string): Promise<ApiKeyRecord | null> {
  const entries = await redis.hgetall<Record<string, ApiKeyRecord>>(redisKeys.apiKeySecret(hash));
  const record = entries ? Object.values(entries)[0] : undefined;
  if (record) return record;
  const legacy = await redis.get<ApiKeyRecord>(redisKeys.apiKeyByHash(hash));
  if (!legacy) return null;
  await redis
    .multi()
    .hset(redisKeys.apiKeySecret(hash), { [legacy.id]: JSON.stringify(legacy) })
    .del(redisKeys.apiKeyByHash(hash))
    .exec();
  return legacy;
}

/**
 * The record of a key and the hash of its secret, or null when the key is unknown, revoked, or
 * an old secret past its grace period. With a cache, a record found before is reused without
 * asking Redis: only for callers that check the secret still exists themselves.
 */
export async function findApiKey(
  redis: Redis,
  key: string,
  cache?: ApiKeyCache,
  now = Date.now(),
): Promise<{ record: ApiKeyRecord; hash: string } | null> {
  if (!looksLikeApiKey(key)) return null;
  const hash = await hashApiKey(key);
  let record = cache?.get(hash);
  if (!record) {
    record = (await readSecret(redis, hash)) ?? undefined;
    if (record) cache?.set(hash, record);
  }
  if (!record) return null;
  if (record.secretExpiresAt !== undefined && record.secretExpiresAt <= now) return null;
  return { record, hash };
}

export function withoutHashes({
  hash: _hash,
  previousHash: _previousHash,
  previousSecretExpiresAt: _previousSecretExpiresAt,
  ...record
}: StoredKey): ApiKeyRecord {
  return record;
}

/** A key as a listing shows it: its alerts' webhook secret is shown once, at creation, like the key. */
function withoutWebhookSecret(record: ApiKeyRecord): ApiKeyRecord {
  const alerts = record.limits?.alerts;
  if (!alerts) return record;
  const { secret: _secret, ...shown } = alerts;
  return { ...record, limits: { ...record.limits, alerts: shown as typeof alerts } };
}

/**
 * The record of a key by its id, or null once it is revoked: a signed-in session re-checks its
 * key with this on every request. A record's policy never changes, so with a cache (chat, whose
 * admission checks the key id itself) a record found before is reused.
 */
export async function findApiKeyById(
  redis: Redis,
  id: string,
  cache?: ApiKeyCache,
): Promise<ApiKeyRecord | null> {
  const cacheKey = `id:${id}`;
  const cached = cache?.get(cacheKey);
  if (cached) return cached;
  const stored = await redis.hget<StoredKey>(redisKeys.apiKeys(), id);
  if (!stored) return null;
  const record = withoutHashes(stored);
  cache?.set(cacheKey, record);
  return record;
}

export async function listApiKeys(redis: Redis, now = Date.now()): Promise<ListedApiKey[]> {
  const [all, lastUsed] = await Promise.all([
    redis.hgetall<Record<string, StoredKey>>(redisKeys.apiKeys()),
    redis.hgetall<Record<string, number>>(redisKeys.apiKeyLastUsed()),
  ]);
  return Object.values(all ?? {})
    .map((stored): ListedApiKey => {
      const used = lastUsed?.[stored.id];
      const graceEnd = stored.previousSecretExpiresAt;
      return {
        ...withoutWebhookSecret(withoutHashes(stored)),
        ...(graceEnd !== undefined && graceEnd > now
          ? { previousSecretExpiresAt: new Date(graceEnd).toISOString() }
          : {}),
        lastUsedAt: used === undefined ? null : new Date(Number(used)).toISOString(),
        expired: stored.expiresAt !== undefined && Date.parse(stored.expiresAt) <= now,
      };
    })
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}
