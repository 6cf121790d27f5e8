import { requireIdentity } from '@/lib/auth/admin';
import { requireRedis } from '@/lib/auth/identify';
import { getConfig } from '@/lib/config';
import { toResponse } from '@/lib/errors';
import { asStoreFailure, getRedis } from '@/lib/store/redis';
import { readUsageQuery, resolveUsageOwner } from '@/lib/usage/access';
import { formatRequestsCsv, usageCsvFilename } from '@/lib/usage/csv';
import { listRequests } from '@/lib/usage/queries';

export const runtime = 'edge';
export const dynamic = 'force-dynamic';

export async function GET(request: Request) {
  try {
    const identity = requireIdentity(request);
    const { period, userId: requested } = readUsageQuery(request);
    const redis = requireRedis(getRedis(getConfig()));
    const { userId } = await resolveUsageOwner(redis, identity, requested);
    const requests = await listRequests(redis, { userId, period, now: Date.now() });
    return new Response(formatRequestsCsv(requests), {
      headers: {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="${usageCsvFilename(userId, period)}"`,
      },
    });
  } catch (error) {
    return toResponse(asStoreFailure(error));
  }
}
