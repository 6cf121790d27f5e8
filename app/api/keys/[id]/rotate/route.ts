import { z } from 'zod';
import { requireRedis } from '@/lib/auth/identify';
import { maxGraceSeconds, rotateApiKey } from '@/lib/auth/key-changes';
import { GatewayError } from '@/lib/errors';
import { handle, otherMethods } from '@/lib/http/door';
import { getRedis } from '@/lib/store/redis';

export const runtime = 'edge';
export const dynamic = 'force-dynamic';

const rotateSchema = z.strictObject({
  /** How long the old secret keeps working. Default: 0 (it stops at once). */
  graceSeconds: z.number().int().min(0).max(maxGraceSeconds).optional(),
});

/** A new secret for the key, shown once; the old one works for `graceSeconds` more. */
export const POST = handle(
  { access: 'admin', body: rotateSchema },
  async ({ params, body, config }) => {
    const id = String(params.id);
    const rotated = await rotateApiKey(requireRedis(getRedis(config)), id, body.graceSeconds ?? 0);
    if (!rotated) throw new GatewayError('not_found', `No API key has the id "${id}".`);
    const { record, key, previousSecretExpiresAt } = rotated;
    return Response.json({ ...record, key, previousSecretExpiresAt });
  },
);

export const { GET, PUT, PATCH, DELETE } = otherMethods;
