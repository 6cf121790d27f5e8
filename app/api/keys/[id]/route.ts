import { requireRedis } from '@/lib/auth/identify';
import { revokeApiKey } from '@/lib/auth/key-changes';
import { GatewayError } from '@/lib/errors';
import { handle, otherMethods } from '@/lib/http/door';
import { getRedis } from '@/lib/store/redis';

export const runtime = 'edge';

export const DELETE = handle({ access: 'admin' }, async ({ params, config }) => {
  const id = String(params.id);
  if (!(await revokeApiKey(requireRedis(getRedis(config)), id))) {
    throw new GatewayError('not_found', `No API key has the id "${id}".`);
  }
  return Response.json({ id, revoked: true });
});

export const { GET, POST, PUT, PATCH } = otherMethods;
