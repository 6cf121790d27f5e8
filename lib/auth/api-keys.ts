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
interface StoredKey extends ApiKeyRecord {
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

const keyPrefix = 'tg_';

/** Keys are only ever stored as this hash; the key itself is shown once, at creation. */
export const hashApiKey = (key: string) => sha256Hex(key);

export function looksLikeApiKey(value: string): boolean {
  return value.startsWith(keyPrefix) && value.length > keyPrefix.length + 20;
}

/** Longest grace period a rotation may give the old secret: 30 days. */
export const maxGraceSeconds = 30 * 86_400;

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

function withoutHashes({
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

// Both scripts change a key only if its current secret is still the one read before (`hash`),
// so a revocation and a rotation racing each other can neither leave a secret behind nor
// bring a revoked key back. Reply: 1 done, 0 no such key, -1 changed meanwhile (read again).
const sameSecretCheck = `
local stored = redis.call('HGET', KEYS[1], ARGV[1])
if not stored then return 0 end
if cjson.decode(stored).hash ~= ARGV[2] then return -1 end
`;

/**
 * KEYS: keys, current secret, previous secret, current secret's legacy string, last uses.
 * ARGV: 1 id, 2 current hash.
 */
const revokeScript = `${sameSecretCheck}
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[5], ARGV[1])
return 1
`;

/**
 * KEYS: keys, new secret, current secret, previous secret, current secret's legacy string.
 * ARGV: 1 id, 2 current hash, 3 new stored key, 4 new secret's record, 5 grace ms,
 *       6 old secret's record (with its end), 7 the end (epoch ms).
 * The old secret ends at the same instant in Redis as in its record: PEXPIREAT, not a TTL
 * counted from whenever the script happens to run.
 */
const rotateScript = `${sameSecretCheck}
redis.call('DEL', KEYS[4], KEYS[5])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[4])
if tonumber(ARGV[5]) > 0 then
  redis.call('DEL', KEYS[3])
  redis.call('HSET', KEYS[3], ARGV[1], ARGV[6])
  redis.call('PEXPIREAT', KEYS[3], ARGV[7])
else
  redis.call('DEL', KEYS[3])
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
`;

/** A Redis key that never exists, for a script's unused key slot. */
const noSecret = redisKeys.apiKeySecret('');

/** Runs `change` on the key's current entry until no other change raced it; false when unknown. */
async function changeKey(
  redis: Redis,
  id: string,
  change: (stored: StoredKey) => Promise<number>,
): Promise<boolean> {
  for (let tries = 0; tries < 5; tries++) {
    const stored = await redis.hget<StoredKey>(redisKeys.apiKeys(), id);
    if (!stored) return false;
    const reply = await change(stored);
    if (reply !== -1) return reply === 1;
  }
  throw new GatewayError('store_unavailable', 'The key kept changing while it was changed.', {
    retryable: true,
    retryAfterSeconds: 1,
  });
}

/**
 * Revocation takes effect on the very next request, for every secret of the key: chat admission
 * checks the secret (or a session's key id) in Redis whatever its record cache holds, other
 * endpoints look the key up every time.
 */
export async function revokeApiKey(redis: Redis, id: string): Promise<boolean> {
  const script = redis.createScript<number>(revokeScript);
  return changeKey(redis, id, (stored) =>
    script.exec(
      [
        redisKeys.apiKeys(),
        redisKeys.apiKeySecret(stored.hash),
        stored.previousHash ? redisKeys.apiKeySecret(stored.previousHash) : noSecret,
        redisKeys.apiKeyByHash(stored.hash),
        redisKeys.apiKeyLastUsed(),
      ],
      [id, stored.hash],
    ),
  );
}

/**
 * A new secret for the same key id (its usage, log and policy stay); the old secret works for
 * `graceSeconds` more, then gets 401. A secret still in the grace of an earlier rotation ends
 * now: a key has at most two secrets at once.
 */
export async function rotateApiKey(
  redis: Redis,
  id: string,
  graceSeconds: number,
  now = Date.now(),
): Promise<{ record: ApiKeyRecord; key: string; previousSecretExpiresAt: string } | null> {
  const script = redis.createScript<number>(rotateScript);
  const key = `${keyPrefix}${randomToken(32)}`;
  const hash = await hashApiKey(key);
  const graceMs = graceSeconds * 1000;
  let record: ApiKeyRecord | undefined;
  const rotated = await changeKey(redis, id, (stored) => {
    record = { ...withoutHashes(stored), rotatedAt: new Date(now).toISOString() };
    const entry: StoredKey = {
      ...record,
      hash,
      previousHash: stored.hash,
      previousSecretExpiresAt: now + graceMs,
    };
    return script.exec(
      [
        redisKeys.apiKeys(),
        redisKeys.apiKeySecret(hash),
        redisKeys.apiKeySecret(stored.hash),
        stored.previousHash ? redisKeys.apiKeySecret(stored.previousHash) : noSecret,
        redisKeys.apiKeyByHash(stored.hash),
      ],
      [
        id,
        stored.hash,
        JSON.stringify(entry),
        JSON.stringify(record),
        String(graceMs),
        JSON.stringify({ ...record, secretExpiresAt: now + graceMs }),
        String(now + graceMs),
      ],
    );
  });
  if (!rotated || !record) return null;
  return { record, key, previousSecretExpiresAt: new Date(now + graceMs).toISOString() };
}

const lastWrites = new Map<string, number>();

/**
 * Records that a key was used, after the response. Each instance writes a key's last use at
 * most once a minute, so `lastUsedAt` is exact to a minute and busy keys cost no command each.
 */
export async function recordKeyUse(
  redis: Pick<Redis, 'hset'>,
  keyId: string,
  now = Date.now(),
): Promise<void> {
  const written = lastWrites.get(keyId);
  if (written !== undefined && now - written < 60_000) return;
  if (lastWrites.size >= 10_000) lastWrites.clear();
  lastWrites.set(keyId, now);
  await redis.hset(redisKeys.apiKeyLastUsed(), { [keyId]: now });
}
