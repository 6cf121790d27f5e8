import { z } from 'zod';
import { findApiKey } from '@/lib/auth/api-keys';
import { requireRedis } from '@/lib/auth/identify';
import { clearedSessionCookie, sessionCookie, signSession } from '@/lib/auth/session';
import { getConfig } from '@/lib/config';
import { GatewayError, toResponse } from '@/lib/errors';
import { parseRequest } from '@/lib/http/parse-request';
import { readJsonBody } from '@/lib/http/read-json';
import { asStoreFailure, getRedis } from '@/lib/store/redis';

export const runtime = 'edge';

const signInSchema = z.strictObject({ apiKey: z.string().min(1) });

/** Signs the web UI in as the user of an API key. */
export async function POST(request: Request) {
  try {
    const config = getConfig();
    const { apiKey } = parseRequest(signInSchema, await readJsonBody(request, config.maxBodyBytes));
    const record = await findApiKey(requireRedis(getRedis(config)), apiKey);
    if (!record) throw new GatewayError('invalid_api_key', 'The API key is unknown or revoked.');
    const cookie = await signSession(
      { userId: record.userId, plan: record.plan, keyId: record.id, issuedAt: Date.now() },
      config.sessionSecret,
    );
    return Response.json(
      { userId: record.userId, plan: record.plan, keyName: record.name },
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
