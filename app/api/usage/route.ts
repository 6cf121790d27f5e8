import { requireRedis } from '@/lib/auth/identify';
import { handle, otherMethods } from '@/lib/http/door';
import { getRedis } from '@/lib/store/redis';
import { resolveUsageOwner, resolveUsageTeam, usageReportQuerySchema } from '@/lib/usage/access';
import { getTeamUsage, getUsage } from '@/lib/usage/queries';

export const runtime = 'edge';
export const dynamic = 'force-dynamic';

export const GET = handle(
  { access: 'user', query: usageReportQuerySchema },
  async ({ identity, query, config }) => {
    const redis = requireRedis(getRedis(config));
    const now = Date.now();
    if (query.teamId !== undefined) {
      const team = await resolveUsageTeam(redis, identity, query.teamId);
      return Response.json(await getTeamUsage(redis, { ...team, period: query.period, now }));
    }
    const owner = await resolveUsageOwner(redis, identity, query.userId);
    return Response.json(await getUsage(redis, { ...owner, period: query.period, now }));
  },
);

export const { POST, PUT, PATCH, DELETE } = otherMethods;
