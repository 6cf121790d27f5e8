import { z } from 'zod';
import { requireIdentity } from '@/lib/auth/admin';
import { findApiKey } from '@/lib/auth/api-keys';
import { adminIdentity, requireRedis, sameSecret } from '@/lib/auth/identify';
import {
  adminTokenDigest,
  clearedSessionCookie,
  type SessionPayload,
  sessionCookie,
  signSession,
} from '@/lib/auth/session';
import { type Config, getConfig } from '@/lib/config';
import { GatewayError, toResponse } from '@/lib/errors';
import { parseRequest } from '@/lib/http/parse-request';
import { readJsonBody } from '@/lib/http/read-json';
import { asStoreFailure, getRedis } from '@/lib/store/redis';

export const runtime = 'edge';
export const dynamic = 'force-dynamic';

const signInSchema = z.strictObject({ apiKey: z.string().min(1) });

async function sessionFor(config: Config, secret: string): Promise<SessionPayload> {
  const issuedAt = Date.now();
  if (config.adminToken && sameSecret(secret, config.adminToken)) {
    const admin = adminIdentity(config);
    return {
      userId: admin.userId,
      plan: admin.plan,
      adminTokenDigest: await adminTokenDigest(secret),
      issuedAt,
    };
  }
  const record = await findApiKey(requireRedis(getRedis(config)), secret);
  if (!record) throw new GatewayError('invalid_api_key', 'The API key is unknown or revoked.');
  return { userId: record.userId, plan: record.plan, keyId: record.id, issuedAt };
}

/** Who the UI (or any caller) is: `{ userId, plan, kind, admin }`. */
export function GET(request: Request) {
  try {
    const { userId, plan, kind, admin } = requireIdentity(request);
    return Response.json({ userId, plan, kind, admin });
  } catch (error) {
    return toResponse(error);
  }
}

/** Signs the web UI in as the user of an API key, or as the administrator with the admin token. */
export async function POST(request: Request) {
  try {
    const config = getConfig();
    const { apiKey } = parseRequest(signInSchema, await readJsonBody(request, config.maxBodyBytes));
    const session = await sessionFor(config, apiKey);
    const cookie = await signSession(session, config.sessionSecret);
    return Response.json(
      { userId: session.userId, plan: session.plan },
      {
        headers: {
          'set-cookie': sessionCookie(cookie, new URL(request.url).protocol === 'https:'),
        },
      },
    );
  } catch (error) {
    return toResponse(asStoreFailure(error));
  }
}

/** Signs out; the next page visit starts a new guest session. */
export function DELETE() {
  return Response.json({ signedOut: true }, { headers: { 'set-cookie': clearedSessionCookie() } });
}
