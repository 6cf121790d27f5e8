import { fromBase64Url, randomToken, toBase64Url } from './encoding';

export const sessionCookieName = 'tollgate_session';

/** A session in use is renewed (a new cookie with a new `renewedAt`) at most this often. */
export const sessionRenewIntervalMs = 86_400_000;

export interface SessionPayload {
  /** Random id: sign-out revokes it in Redis (see session-revocation.ts). */
  sessionId: string;
  userId: string;
  plan: string;
  /** Set when the UI signed in with an API key. */
  keyId?: string;
  /** Set when the UI signed in with the admin token: a digest of it, so rotating the token ends the session. */
  adminTokenDigest?: string;
  issuedAt: number;
  /** When the session was last renewed; it ends `maxAge` after this. Default: `issuedAt`. */
  renewedAt?: number;
}

/**
 * Whether a verified session is still within its lifetime: issued at a real time (not 0, not in
 * the future), and used within `maxAgeSeconds`. A session's age slides with use (`renewedAt`).
 */
export function isSessionCurrent(
  session: SessionPayload,
  now: number,
  maxAgeSeconds: number,
): boolean {
  const renewedAt = session.renewedAt ?? session.issuedAt;
  const clockSkewMs = 60_000;
  return (
    typeof session.sessionId === 'string' &&
    session.sessionId.length > 0 &&
    Number.isFinite(session.issuedAt) &&
    session.issuedAt > 0 &&
    Number.isFinite(renewedAt) &&
    renewedAt >= session.issuedAt &&
    renewedAt <= now + clockSkewMs &&
    now - renewedAt < maxAgeSeconds * 1000
  );
}

/** Whether a session in use should get a renewed cookie now. */
export function needsRenewal(session: SessionPayload, now: number): boolean {
  return now - (session.renewedAt ?? session.issuedAt) >= sessionRenewIntervalMs;
}

async function hmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  );
}

export async function signSession(payload: SessionPayload, secret: string): Promise<string> {
  const body = toBase64Url(new TextEncoder().encode(JSON.stringify(payload)));
  const signature = await crypto.subtle.sign(
    'HMAC',
    await hmacKey(secret),
    new TextEncoder().encode(body),
  );
  return `${body}.${toBase64Url(new Uint8Array(signature))}`;
}

/** The payload of a cookie we signed, or null for anything else. */
export async function verifySession(
  cookie: string,
  secret: string,
): Promise<SessionPayload | null> {
  const [body, signature, extra] = cookie.split('.');
  if (!body || !signature || extra !== undefined) return null;
  try {
    const valid = await crypto.subtle.verify(
      'HMAC',
      await hmacKey(secret),
      fromBase64Url(signature),
      new TextEncoder().encode(body),
    );
    if (!valid) return null;
    const payload = JSON.parse(new TextDecoder().decode(fromBase64Url(body))) as SessionPayload;
    return typeof payload.userId === 'string' && typeof payload.plan === 'string' ? payload : null;
  } catch {
    return null;
  }
}

export const newSessionId = () => randomToken(16);

export function newGuestSession(plan: string, now = Date.now()): SessionPayload {
  return { sessionId: newSessionId(), userId: `guest_${randomToken(12)}`, plan, issuedAt: now };
}

export function sessionCookie(value: string, secure: boolean, maxAgeSeconds: number): string {
  return [
    `${sessionCookieName}=${value}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Lax',
    `Max-Age=${maxAgeSeconds}`,
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

export function clearedSessionCookie(): string {
  return `${sessionCookieName}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`;
}

/** A short digest of the admin token, kept in admin sessions instead of the token itself. */
export async function adminTokenDigest(adminToken: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(adminToken));
  return toBase64Url(new Uint8Array(digest).slice(0, 16));
}
