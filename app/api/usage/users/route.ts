import { requireAdmin } from '@/lib/auth/admin';
import { requireRedis } from '@/lib/auth/identify';
import { getConfig } from '@/lib/config';
import { toResponse } from '@/lib/errors';
import { asStoreFailure, getRedis } from '@/lib/store/redis';
import { readPeriodQuery } from '@/lib/usage/access';
import { listUsers } from '@/lib/usage/queries';

export const runtime = 'edge';
export const dynamic = 'force-dynamic';

export async function GET(request: Request) {
  try {
    requireAdmin(request);
    const { period } = readPeriodQuery(request);
    const redis = requireRedis(getRedis(getConfig()));
    return Response.json(await listUsers(redis, { period, now: Date.now() }));
  } catch (error) {
    return toResponse(asStoreFailure(error));
  }
}
