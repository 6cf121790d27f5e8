import type { Redis } from '@upstash/redis';
import { redisKeys } from '@/lib/limits/keys';

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
