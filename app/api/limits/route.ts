import { planOf, requireRedis } from '@/lib/auth/identify';
import { handle, otherMethods } from '@/lib/http/door';
import { getLimitStores } from '@/lib/limits';
import { getRedis } from '@/lib/store/redis';
import { resolveTeam } from '@/lib/teams/resolve';
import { getLimits } from '@/lib/usage/limits';

export const runtime = 'edge';
export const dynamic = 'force-dynamic';

export const GET = handle({ access: 'user' }, async ({ identity, config }) => {
  const redis = requireRedis(getRedis(config));
  const team = await resolveTeam(redis, identity);
  const limits = await getLimits(redis, getLimitStores(redis), {
    userId: identity.userId,
    plan: planOf(config, identity.plan),
    planName: identity.plan,
    now: Date.now(),
    team: team && { ...team, plan: planOf(config, team.planName) },
    key: identity.keyId ? { id: identity.keyId, limits: identity.keyLimits ?? {} } : undefined,
  });
  return Response.json(limits);
});

export const { POST, PUT, PATCH, DELETE } = otherMethods;
