import { z } from 'zod';
import { listAlerts } from '@/lib/alerts';
import { requireRedis } from '@/lib/auth/identify';
import { handle, otherMethods } from '@/lib/http/door';
import { getRedis } from '@/lib/store/redis';

export const runtime = 'edge';
export const dynamic = 'force-dynamic';

const alertsQuerySchema = z.object({
  /** Default: 50. */
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const GET = handle(
  { access: 'user', query: alertsQuerySchema },
  async ({ identity, query, config }) =>
    Response.json(await listAlerts(requireRedis(getRedis(config)), identity, query), {
      headers: { 'cache-control': 'no-store' },
    }),
);

export const { POST, PUT, PATCH, DELETE } = otherMethods;
