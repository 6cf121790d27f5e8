import type { Redis } from '@upstash/redis';
import { GatewayError } from '@/lib/errors';
import { redisKeys } from '@/lib/limits/keys';
import {
  type ApiKeyRecord,
  hashApiKey,
  keyPrefix,
  type StoredKey,
  withoutHashes,
} from './api-keys';
import { randomToken } from './encoding';

// Revoking and rotating a key: the two changes of a key after its creation.

/** Longest grace period a rotation may give the old secret: 30 days. */
export const maxGraceSeconds = 30 * 86_400;

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
