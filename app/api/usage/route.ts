import { requireRedis } from '@/lib/auth/identify';
import { handle, otherMethods } from '@/lib/http/door';
import { getRedis } from '@/lib/store/redis';
import { resolveUsageOwner, usageQuerySchema } from '@/lib/usage/access';
import { getUsage } from '@/lib/usage/queries';

export const runtime = 'edge';
export const dynamic = 'force-dynamic';

export const GET = handle(
  { access: 'user', query: usageQuerySchema },
  async ({ identity, query, config }) => {
    const redis = requireRedis(getRedis(config));
    const owner = await resolveUsageOwner(redis, identity, query.userId);
    return Response.json(
      await getUsage(redis, { ...owner, period: query.period, now: Date.now() }),
    );
  },
);

export const { POST, PUT, PATCH, DELETE } = otherMethods;
