import type { Redis } from '@upstash/redis';
import type { Config, ProviderType } from '@/lib/config';
import { isProviderConfigured } from '@/lib/providers/registry';

export interface Health {
  status: 'ok' | 'degraded';
  redis: 'ok' | 'unavailable' | 'not_configured';
  providers: Record<string, { type: ProviderType; status: 'ok' | 'not_configured' }>;
}

async function checkRedis(redis: Redis | undefined): Promise<Health['redis']> {
  if (!redis) return 'not_configured';
  try {
    return (await redis.ping()) === 'PONG' ? 'ok' : 'unavailable';
  } catch {
    return 'unavailable';
  }
}

export async function checkHealth(config: Config, redis: Redis | undefined): Promise<Health> {
  const redisStatus = await checkRedis(redis);
  const providers = Object.fromEntries(
    Object.entries(config.providers).map(([id, provider]) => [
      id,
      {
        type: provider.type,
        status: isProviderConfigured(provider) ? 'ok' : 'not_configured',
      } as const,
    ]),
  );
  return { status: redisStatus === 'ok' ? 'ok' : 'degraded', redis: redisStatus, providers };
}
