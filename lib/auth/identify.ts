import type { Redis } from '@upstash/redis';
import type { Config } from '@/lib/config';
import { GatewayError } from '@/lib/errors';
import { findApiKey, isApiKeyActive } from './api-keys';
import type { Identity } from './identity';
import type { ApiKeyCache } from './key-cache';
import { adminTokenDigest, type SessionPayload, sessionCookieName, verifySession } from './session';

/** The plan an identity names, or the default plan when the config no longer has it. */
export function planOf(config: Config, planName: string) {
  return config.plans[planName] ?? config.plans[config.defaultPlan] ?? {};
}

function bearerToken(request: Request): string | undefined {
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
    plan: config.plans.admin ? 'admin' : config.defaultPlan,
    admin: true,
    kind: 'admin-token',
  };
}

async function fromSession(config: Config, session: SessionPayload): Promise<Identity> {
  if (session.adminTokenDigest !== undefined) {
    const current = config.adminToken && (await adminTokenDigest(config.adminToken));
    if (!current || !sameSecret(current, session.adminTokenDigest)) {
      throw new GatewayError(
        'unauthorized',
        'The admin token this session signed in with changed.',
      );
    }
    return adminIdentity(config);
  }
  return {
    userId: session.userId,
    plan: session.plan,
    admin: planOf(config, session.plan).admin === true,
    kind: session.keyId ? 'session' : 'guest',
    keyId: session.keyId,
  };
}

export interface IdentifyOptions {
  /**
   * For chat requests only, whose admission checks in its own round trip that the key still
   * exists: an API key's record may come from this cache, and a signed-in session's key is not
   * checked here. Default: undefined (every key is looked up and checked).
   */
  keyCheckedByAdmission?: ApiKeyCache;
}

/**
 * Who sent the request: the admin token, an API key (bearer or x-api-key), or a signed session
 * cookie. Undefined when there are no credentials; a 401 when there are bad ones.
 */
export async function identify(
  request: Request,
  config: Config,
  redis: Redis | undefined,
  { keyCheckedByAdmission }: IdentifyOptions = {},
): Promise<Identity | undefined> {
  const token = bearerToken(request);
  if (token) {
    if (config.adminToken && sameSecret(token, config.adminToken)) {
      return adminIdentity(config);
    }
    const record = await findApiKey(requireRedis(redis), token, keyCheckedByAdmission);
    if (!record) throw new GatewayError('invalid_api_key', 'The API key is unknown or revoked.');
    return {
      userId: record.userId,
      plan: record.plan,
      admin: planOf(config, record.plan).admin === true,
      kind: 'api-key',
      keyId: record.id,
    };
  }

  const cookie = readSessionCookie(request);
  const session = cookie ? await verifySession(cookie, config.sessionSecret) : null;
  if (!session) return undefined;
  if (
    session.keyId &&
    !keyCheckedByAdmission &&
    !(await isApiKeyActive(requireRedis(redis), session.keyId))
  ) {
    throw new GatewayError(
      'invalid_api_key',
      'The API key this session signed in with was revoked.',
    );
  }
  return fromSession(config, session);
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
