import { requireIdentity } from '@/lib/auth/admin';
import { planOf, requireRedis } from '@/lib/auth/identify';
import { getConfig } from '@/lib/config';
import { toResponse } from '@/lib/errors';
import { getLimitStores } from '@/lib/limits';
import { asStoreFailure, getRedis } from '@/lib/store/redis';
import { getLimits } from '@/lib/usage/limits';

export const runtime = 'edge';
export const dynamic = 'force-dynamic';

export async function GET(request: Request) {
  try {
    const identity = requireIdentity(request);
    const config = getConfig();
    const redis = requireRedis(getRedis(config));
    const limits = await getLimits(redis, getLimitStores(redis), {
      userId: identity.userId,
      plan: planOf(config, identity.plan),
      planName: identity.plan,
      now: Date.now(),
    });
    return Response.json(limits);
  } catch (error) {
    return toResponse(asStoreFailure(error));
  }
}
