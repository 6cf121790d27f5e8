import { requireRedis } from '@/lib/auth/identify';
import { handle, otherMethods } from '@/lib/http/door';
import { getRedis } from '@/lib/store/redis';
import { resolveUsageOwner, usageQuerySchema } from '@/lib/usage/access';
import { formatRequestsCsv, usageCsvFilename } from '@/lib/usage/csv';
import { listRequests } from '@/lib/usage/queries';

export const runtime = 'edge';
export const dynamic = 'force-dynamic';

export const GET = handle(
  { access: 'user', query: usageQuerySchema },
  async ({ identity, query, config }) => {
    const redis = requireRedis(getRedis(config));
    const { userId } = await resolveUsageOwner(redis, identity, query.userId);
    const requests = await listRequests(redis, { userId, period: query.period, now: Date.now() });
    return new Response(formatRequestsCsv(requests), {
      headers: {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="${usageCsvFilename(userId, query.period)}"`,
      },
    });
  },
);

export const { POST, PUT, PATCH, DELETE } = otherMethods;
