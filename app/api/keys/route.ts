import { z } from 'zod';
import { createApiKey, listApiKeys } from '@/lib/auth/api-keys';
import { requireRedis } from '@/lib/auth/identify';
import { keyPolicySchema } from '@/lib/auth/key-policy';
import { ownEntry } from '@/lib/config';
import { GatewayError } from '@/lib/errors';
import { handle, otherMethods } from '@/lib/http/door';
import { getRedis } from '@/lib/store/redis';

export const runtime = 'edge';
export const dynamic = 'force-dynamic';

const createKeySchema = keyPolicySchema.extend({
  userId: z.string().regex(/^[\w.@-]{1,64}$/, 'letters, digits, _ . @ - (1-64)'),
  plan: z.string().min(1).optional(),
  name: z.string().max(100).optional(),
});

export const POST = handle({ access: 'admin', body: createKeySchema }, async ({ body, config }) => {
  const plan = body.plan ?? config.defaultPlan;
  if (!ownEntry(config.plans, plan)) {
    throw new GatewayError('invalid_request', `plan: unknown plan "${plan}"`, { param: 'plan' });
  }
  const { record, key } = await createApiKey(requireRedis(getRedis(config)), {
    ...body,
    plan,
    name: body.name ?? `${body.userId}'s key`,
  });
  return Response.json({ ...record, key }, { status: 201 });
});

export const GET = handle({ access: 'admin' }, async ({ config }) =>
  Response.json({ keys: await listApiKeys(requireRedis(getRedis(config))) }),
);

export const { PUT, PATCH, DELETE } = otherMethods;
