import { z } from 'zod';
import { requireAdmin } from '@/lib/auth/admin';
import { createApiKey, listApiKeys } from '@/lib/auth/api-keys';
import { requireRedis } from '@/lib/auth/identify';
import { getConfig } from '@/lib/config';
import { GatewayError, toResponse } from '@/lib/errors';
import { parseRequest } from '@/lib/http/parse-request';
import { readJsonBody } from '@/lib/http/read-json';
import { asStoreFailure, getRedis } from '@/lib/store/redis';

export const runtime = 'edge';
export const dynamic = 'force-dynamic';

const createKeySchema = z.strictObject({
  userId: z.string().regex(/^[\w.@-]{1,64}$/, 'letters, digits, _ . @ - (1-64)'),
  plan: z.string().min(1).optional(),
  name: z.string().max(100).optional(),
});

export async function POST(request: Request) {
  try {
    requireAdmin(request);
    const config = getConfig();
    const body = parseRequest(createKeySchema, await readJsonBody(request, config.maxBodyBytes));
    const plan = body.plan ?? config.defaultPlan;
    if (!config.plans[plan]) {
      throw new GatewayError('invalid_request', `plan: unknown plan "${plan}"`, { param: 'plan' });
    }
    const { record, key } = await createApiKey(requireRedis(getRedis(config)), {
      userId: body.userId,
      plan,
      name: body.name ?? `${body.userId}'s key`,
    });
    return Response.json({ ...record, key }, { status: 201 });
  } catch (error) {
    return toResponse(asStoreFailure(error));
  }
}

export async function GET(request: Request) {
  try {
    requireAdmin(request);
    return Response.json({ keys: await listApiKeys(requireRedis(getRedis(getConfig()))) });
  } catch (error) {
    return toResponse(asStoreFailure(error));
  }
}
