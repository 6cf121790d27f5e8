import { requireIdentity } from '@/lib/auth/admin';
import { requireRedis } from '@/lib/auth/identify';
import { getConfig } from '@/lib/config';
import { toResponse } from '@/lib/errors';
import { asStoreFailure, getRedis } from '@/lib/store/redis';
import { readUsageQuery, resolveUsageOwner } from '@/lib/usage/access';
import { getUsage } from '@/lib/usage/queries';

export const runtime = 'edge';
export const dynamic = 'force-dynamic';

export async function GET(request: Request) {
  try {
    const identity = requireIdentity(request);
    const { period, userId } = readUsageQuery(request);
    const redis = requireRedis(getRedis(getConfig()));
    const owner = await resolveUsageOwner(redis, identity, userId);
    return Response.json(await getUsage(redis, { ...owner, period, now: Date.now() }));
  } catch (error) {
    return toResponse(asStoreFailure(error));
  }
}
