import { requireRedis } from '@/lib/auth/identify';
import { handle, otherMethods } from '@/lib/http/door';
import { getRedis } from '@/lib/store/redis';
import { periodQuerySchema } from '@/lib/usage/access';
import { getUsageOverview } from '@/lib/usage/overview';

export const runtime = 'edge';
export const dynamic = 'force-dynamic';

export const GET = handle(
  { access: 'admin', query: periodQuerySchema },
  async ({ query, config }) =>
    Response.json(
      await getUsageOverview(requireRedis(getRedis(config)), {
        period: query.period,
        now: Date.now(),
      }),
    ),
);

export const { POST, PUT, PATCH, DELETE } = otherMethods;
