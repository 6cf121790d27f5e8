import type { Redis } from '@upstash/redis';
import { type Config, ownEntry } from '@/lib/config';
import { GatewayError } from '@/lib/errors';
import { type ApiKeyRecord, findApiKey, findApiKeyById } from './api-keys';
import type { Identity } from './identity';
import type { ApiKeyCache } from './key-cache';
import { checkKeyNotExpired, identityPolicyOf } from './key-policy';
import {
  adminTokenDigest,
  isSessionCurrent,
  needsRenewal,
  type SessionPayload,
  sessionCookieName,
  signSession,
  verifySession,
} from './session';
import { isSessionRevoked } from './session-revocation';

/** The plan an identity names, or the default plan when the config no longer has it. */
export function planOf(config: Config, planName: string) {
  return ownEntry(config.plans, planName) ?? ownEntry(config.plans, config.defaultPlan) ?? {};
}

/** The API key a request carries (`Authorization: Bearer` or `x-api-key`), if any. */
export function bearerToken(request: Request): string | undefined {
  const authorization = request.headers.get('authorization');
  const match = authorization && /^Bearer\s+(.+)$/i.exec(authorization.trim());
  return match?.[1] ?? request.headers.get('x-api-key') ?? undefined;
}

/** Compares secrets in time independent of where they differ. */
export function sameSecret(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let index = 0; index < a.length; index++)
    difference |= a.charCodeAt(index) ^ b.charCodeAt(index);
  return difference === 0;
}

export function readSessionCookie(request: Request): string | undefined {
  const cookies = request.headers.get('cookie') ?? '';
  for (const pair of cookies.split(';')) {
    const [name, ...value] = pair.trim().split('=');
    if (name === sessionCookieName) return value.join('=');
  }
  return undefined;
}

/** The identity of the admin token, whether sent as a bearer token or signed into a session. */
export function adminIdentity(config: Config): Identity {
  return {
    userId: 'admin',
    plan: ownEntry(config.plans, 'admin') ? 'admin' : config.defaultPlan,
    admin: true,
    kind: 'admin-token',
  };
}

/**
 * A session signed in with a key acts with the key's policy (team, limits, allowed models,
 * expiry), read from the key's record: `record` is absent only for a guest or the admin.
 */
async function fromSession(
  config: Config,
  session: SessionPayload,
  record: ApiKeyRecord | undefined,
): Promise<Identity> {
  const sessionId = session.sessionId;
  if (session.adminTokenDigest !== undefined) {
    const current = config.adminToken && (await adminTokenDigest(config.adminToken));
    if (!current || !sameSecret(current, session.adminTokenDigest)) {
      throw new GatewayError(
        'unauthorized',
        'The admin token this session signed in with changed.',
      );
    }
    return { ...adminIdentity(config), sessionId };
  }
  return {
    userId: session.userId,
    plan: session.plan,
    admin: planOf(config, session.plan).admin === true,
    kind: session.keyId ? 'session' : 'guest',
    keyId: session.keyId,
    sessionId,
    ...(record ? identityPolicyOf(record) : {}),
  };
}

/**
 * The record of the key a session signed in with, checked: unknown means revoked (401
 * `invalid_api_key`), past its expiry a 401 `key_expired`. Chat reads it through the cache,
 * since its admission checks the key id itself; every other endpoint asks Redis each time.
 */
function checkSessionKey(record: ApiKeyRecord | null, now: number): ApiKeyRecord {
  if (!record) {
    throw new GatewayError(
      'invalid_api_key',
      'The API key this session signed in with was revoked.',
    );
  }
  checkKeyNotExpired(record, now);
  return record;
}

export interface IdentifyOptions {
  /**
   * For chat requests only, whose admission checks in its own round trip that the key still
   * exists and that the session was not signed out: an API key's record may come from this
   * cache, and a session is not checked here. Default: undefined (everything is checked).
   */
  keyCheckedByAdmission?: ApiKeyCache;
  /** Whether a session cookie identifies the caller. Default: true. */
  acceptSessionCookie?: boolean;
  now?: number;
}

/** Who sent a request, and the renewed session cookie to send back when its session slid on. */
export interface Caller {
  identity: Identity | undefined;
  /** A freshly signed cookie value for a session in use, when it is due for renewal. */
  renewedSession?: string;
}

/**
 * Who sent the request: the admin token, an API key (bearer or x-api-key), or a signed session
 * cookie that is current and not signed out. No identity when there are no credentials (an
 * expired or unreadable cookie counts as none); a 401 when there are bad ones.
 */
export async function identify(
  request: Request,
  config: Config,
  redis: Redis | undefined,
  { keyCheckedByAdmission, acceptSessionCookie = true, now = Date.now() }: IdentifyOptions = {},
): Promise<Caller> {
  const token = bearerToken(request);
  if (token) {
    if (config.adminToken && sameSecret(token, config.adminToken)) {
      return { identity: adminIdentity(config) };
    }
    const found = await findApiKey(requireRedis(redis), token, keyCheckedByAdmission, now);
    if (!found) throw new GatewayError('invalid_api_key', 'The API key is unknown or revoked.');
    const { record, hash } = found;
    checkKeyNotExpired(record, now);
    return {
      identity: {
        userId: record.userId,
        plan: record.plan,
        admin: planOf(config, record.plan).admin === true,
        kind: 'api-key',
        keyId: record.id,
        keyHash: hash,
        ...identityPolicyOf(record),
      },
    };
  }

  const cookie = acceptSessionCookie ? readSessionCookie(request) : undefined;
  const session = cookie ? await verifySession(cookie, config.sessionSecret) : null;
  if (!session || !isSessionCurrent(session, now, config.sessionMaxAgeSeconds)) {
    return { identity: undefined };
  }
  let record: ApiKeyRecord | undefined;
  if (!keyCheckedByAdmission) {
    const store = requireRedis(redis);
    const [revoked, keyRecord] = await Promise.all([
      isSessionRevoked(store, session.sessionId),
      session.keyId ? findApiKeyById(store, session.keyId) : undefined,
    ]);
    if (revoked) return { identity: undefined };
    if (keyRecord !== undefined) record = checkSessionKey(keyRecord, now);
  } else if (session.keyId) {
    const keyRecord = await findApiKeyById(
      requireRedis(redis),
      session.keyId,
      keyCheckedByAdmission,
    );
    record = checkSessionKey(keyRecord, now);
  }
  const identity = await fromSession(config, session, record);
  if (!needsRenewal(session, now)) return { identity };
  const renewed = await signSession({ ...session, renewedAt: now }, config.sessionSecret);
  return { identity, renewedSession: renewed };
}

export function requireRedis(redis: Redis | undefined): Redis {
  if (!redis) {
    throw new GatewayError(
      'store_unavailable',
      'No Redis is configured: set UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN.',
    );
  }
  return redis;
}
