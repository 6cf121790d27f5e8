import type { Redis } from '@upstash/redis';
import { redisKeys } from '@/lib/limits/keys';

/**
 * Sign-out ends a session on the server: its id is marked revoked for as long as the cookie
 * could still be current, so a copy of the cookie kept elsewhere stops working too. Chat
 * admission checks the mark in its own round trip (lib/limits/scripts.ts); every other endpoint
 * asks here.
 */
export async function revokeSession(
  redis: Pick<Redis, 'set'>,
  sessionId: string,
  maxAgeSeconds: number,
): Promise<void> {
  await redis.set(redisKeys.revokedSession(sessionId), '1', { ex: maxAgeSeconds });
}

export async function isSessionRevoked(
  redis: Pick<Redis, 'exists'>,
  sessionId: string,
): Promise<boolean> {
  return (await redis.exists(redisKeys.revokedSession(sessionId))) === 1;
}
