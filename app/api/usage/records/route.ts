import { requireRedis } from '@/lib/auth/identify';
import { handle, otherMethods } from '@/lib/http/door';
import { getRedis } from '@/lib/store/redis';
import { resolveUsageOwner } from '@/lib/usage/access';
import { listRecords, recordsQuerySchema } from '@/lib/usage/records';

export const runtime = 'edge';
export const dynamic = 'force-dynamic';

/** The caller's request log, a page at a time (an administrator may name `userId`). */
export const GET = handle(
  { access: 'user', query: recordsQuerySchema },
  async ({ identity, query, config }) => {
    const redis = requireRedis(getRedis(config));
    const { userId } = await resolveUsageOwner(redis, identity, query.userId);
    return Response.json(await listRecords(redis, userId, query));
  },
);

export const { POST, PUT, PATCH, DELETE } = otherMethods;
