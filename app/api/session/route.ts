import { z } from 'zod';
import { findApiKey } from '@/lib/auth/api-keys';
import { adminIdentity, requireRedis, sameSecret } from '@/lib/auth/identify';
import { checkKeyNotExpired } from '@/lib/auth/key-policy';
import {
  adminTokenDigest,
  clearedSessionCookie,
  newSessionId,
  type SessionPayload,
  sessionCookie,
  signSession,
} from '@/lib/auth/session';
import { revokeSession } from '@/lib/auth/session-revocation';
import type { Config } from '@/lib/config';
import { getConversationStore } from '@/lib/conversations/store';
import { GatewayError } from '@/lib/errors';
import { handle, otherMethods } from '@/lib/http/door';
import { getRedis } from '@/lib/store/redis';

export const runtime = 'edge';
export const dynamic = 'force-dynamic';

const signInSchema = z.strictObject({ apiKey: z.string().min(1) });

async function sessionFor(config: Config, secret: string): Promise<SessionPayload> {
  const issued = { sessionId: newSessionId(), issuedAt: Date.now() };
  if (config.adminToken && sameSecret(secret, config.adminToken)) {
    const admin = adminIdentity(config);
    return {
      ...issued,
      userId: admin.userId,
      plan: admin.plan,
      adminTokenDigest: await adminTokenDigest(secret),
    };
  }
  const found = await findApiKey(requireRedis(getRedis(config)), secret);
  if (!found) throw new GatewayError('invalid_api_key', 'The API key is unknown or revoked.');
  const { record } = found;
  checkKeyNotExpired(record, issued.issuedAt);
  return { ...issued, userId: record.userId, plan: record.plan, keyId: record.id };
}

/** Who the UI (or any caller) is: `{ userId, plan, kind, admin }`. */
export const GET = handle({ access: 'user' }, ({ identity: { userId, plan, kind, admin } }) =>
  Response.json({ userId, plan, kind, admin }),
);

/**
 * Signs the web UI in as the user of an API key, or as the administrator with the admin token.
 * A guest who signs in takes their conversations along: they move to the signed-in user.
 */
export const POST = handle(
  { access: 'public', body: signInSchema },
  async ({ request, body, config, identity }) => {
    const session = await sessionFor(config, body.apiKey);
    if (identity?.kind === 'guest') {
      await getConversationStore(config).moveAll(identity.userId, session.userId);
    }
    const cookie = await signSession(session, config.sessionSecret);
    const secure = new URL(request.url).protocol === 'https:';
    return Response.json(
      { userId: session.userId, plan: session.plan },
      { headers: { 'set-cookie': sessionCookie(cookie, secure, config.sessionMaxAgeSeconds) } },
    );
  },
);

/** Signs out: the session is revoked on the server, so a kept copy of its cookie stops working. */
export const DELETE = handle({ access: 'public' }, async ({ identity, config }) => {
  if (identity?.sessionId) {
    await revokeSession(
      requireRedis(getRedis(config)),
      identity.sessionId,
      config.sessionMaxAgeSeconds,
    );
  }
  return Response.json({ signedOut: true }, { headers: { 'set-cookie': clearedSessionCookie() } });
});

export const { PUT, PATCH } = otherMethods;
