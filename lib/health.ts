import type { Redis } from '@upstash/redis';
import type { Config, ProviderType } from '@/lib/config';
import { isProviderConfigured } from '@/lib/providers/registry';
import { circuitKeyOf, getCircuits } from '@/lib/routing/circuit';

export interface Health {
  status: 'ok' | 'degraded';
  redis: 'ok' | 'unavailable' | 'not_configured';
  providers: Record<string, { type: ProviderType; status: 'ok' | 'not_configured' }>;
  /** Targets (`provider/model`) whose circuit is open or probing; closed ones are not listed. */
  circuits: Record<string, 'open' | 'probe'>;
}

async function checkRedis(redis: Redis | undefined): Promise<Health['redis']> {
  if (!redis) return 'not_configured';
  try {
    return (await redis.ping()) === 'PONG' ? 'ok' : 'unavailable';
  } catch {
    return 'unavailable';
  }
}

async function findTrippedCircuits(
  config: Config,
  redis: Redis | undefined,
): Promise<Health['circuits']> {
  const keys = [
    ...new Set(
      Object.values(config.models).flatMap((model) =>
        model.targets.map((target) => circuitKeyOf(target)),
      ),
    ),
  ];
  const states = await getCircuits(redis, config.routing)
    .peek(keys)
    .catch(() => []);
  return Object.fromEntries(
    keys.flatMap((key, index) => {
      const state = states[index];
      return state === 'open' || state === 'probe' ? [[key, state]] : [];
    }),
  );
}

export async function checkHealth(config: Config, redis: Redis | undefined): Promise<Health> {
  const [redisStatus, circuits] = await Promise.all([
    checkRedis(redis),
    findTrippedCircuits(config, redis),
  ]);
  const providers = Object.fromEntries(
    Object.entries(config.providers).map(([id, provider]) => [
      id,
      {
        type: provider.type,
        status: isProviderConfigured(provider) ? 'ok' : 'not_configured',
      } as const,
    ]),
  );
  return {
    status: redisStatus === 'ok' ? 'ok' : 'degraded',
    redis: redisStatus,
    providers,
    circuits,
  };
}
