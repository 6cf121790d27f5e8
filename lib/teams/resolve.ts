import type { Redis } from '@upstash/redis';
import type { Identity } from '@/lib/auth/identity';

// A stub by the limits helper, to the brief's contract, until the teams helper's own lands (it
// replaces this file): the key's team, else the user's membership (`tg:team-members`), with the
// team's plan from `tg:teams`, cached in-process for 5 s.

export interface ResolvedTeam {
  id: string;
  planName: string;
}

const cacheTtlMs = 5_000;
const cache = new Map<string, { team: ResolvedTeam | undefined; until: number }>();

export async function resolveTeam(
  redis: Pick<Redis, 'hget'>,
  identity: Identity,
  now: () => number = Date.now,
): Promise<ResolvedTeam | undefined> {
  if (identity.kind === 'guest') return undefined;
  const cacheKey = `${identity.teamId ?? ''}|${identity.userId}`;
  const cached = cache.get(cacheKey);
  if (cached && cached.until > now()) return cached.team;
  const teamId =
    identity.teamId ?? (await redis.hget<string>('tg:team-members', identity.userId)) ?? undefined;
  const record = teamId
    ? await redis.hget<{ id: string; plan: string }>('tg:teams', String(teamId))
    : undefined;
  const team = record ? { id: String(record.id), planName: String(record.plan) } : undefined;
  cache.set(cacheKey, { team, until: now() + cacheTtlMs });
  return team;
}
