import { requireAdmin } from '@/lib/auth/admin';
import { revokeApiKey } from '@/lib/auth/api-keys';
import { requireRedis } from '@/lib/auth/identify';
import { getConfig } from '@/lib/config';
import { GatewayError, toResponse } from '@/lib/errors';
import { asStoreFailure, getRedis } from '@/lib/store/redis';

export const runtime = 'edge';

export async function DELETE(request: Request, { params }: { params: Promise<{ id: string }> }) {
  try {
    requireAdmin(request);
    const { id } = await params;
    if (!(await revokeApiKey(requireRedis(getRedis(getConfig())), id))) {
      throw new GatewayError('not_found', `No API key has the id "${id}".`);
    }
    return Response.json({ id, revoked: true });
  } catch (error) {
    return toResponse(asStoreFailure(error));
  }
}
