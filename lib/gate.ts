import { NextResponse } from 'next/server';
import { identify } from '@/lib/auth/identify';
import { type Identity, internalHeaderPrefix, writeIdentity } from '@/lib/auth/identity';
import { type ApiKeyCache, createApiKeyCache } from '@/lib/auth/key-cache';
import { newGuestSession, sessionCookie, signSession } from '@/lib/auth/session';
import type { Config } from '@/lib/config';
import { GatewayError, toResponse } from '@/lib/errors';
import { corsHeaders, preflightResponse } from '@/lib/http/cors';
import { contentSecurityPolicy, newNonce } from '@/lib/http/security-headers';
import { asStoreFailure, getRedis } from '@/lib/store/redis';

type Access = 'page' | 'public' | 'user' | 'chat';

/** What a path needs: chat requests are gated by limits, user endpoints by identity alone. */
export function accessOf(method: string, pathname: string): Access {
  if (!pathname.startsWith('/api/')) return 'page';
  if (method === 'POST' && (pathname === '/api/chat' || pathname === '/api/v1/chat/completions'))
    return 'chat';
  if (/^\/api\/(v1\/models|usage|limits|keys)(\/|$)/.test(pathname)) return 'user';
  if (method === 'GET' && pathname === '/api/session') return 'user';
  return 'public';
}

export interface GateContext {
  config: Config;
  /** API-key records of chat requests. Default: one cache per isolate. */
  keyCache?: ApiKeyCache;
  now?: () => number;
}

const isolateKeyCache = createApiKeyCache();

/**
 * Middleware's whole job: drop client-sent identity headers, establish who is calling and hand
 * the identity on. Chat requests are admitted by their route, once the body says what budget to
 * reserve: key check, rate windows, lease and budget in one round trip to Redis. So their key's
 * record may come from a cache here, and a cached key costs middleware no round trip at all.
 */
export async function gateRequest(
  request: Request,
  { config, keyCache = isolateKeyCache, now = Date.now }: GateContext,
): Promise<Response> {
  const url = new URL(request.url);
  const origin = request.headers.get('origin');
  if (request.method === 'OPTIONS' && url.pathname.startsWith('/api/')) {
    return preflightResponse(request, config.corsOrigins);
  }
  const requestId = crypto.randomUUID();
  const responseHeaders = corsHeaders(origin, config.corsOrigins);
  responseHeaders.set('x-request-id', requestId);
  const forwarded = new Headers(request.headers);
  for (const name of [...forwarded.keys()]) {
    if (name.startsWith(internalHeaderPrefix)) forwarded.delete(name);
  }
  forwarded.set('x-request-id', requestId);

  try {
    const access = accessOf(request.method, url.pathname);
    const redis = getRedis(config);
    // Public endpoints need no identity; on a page, bad credentials just mean a new guest.
    let identity: Identity | undefined;
    if (access === 'page') identity = await identify(request, config, redis).catch(() => undefined);
    else if (access === 'chat') {
      identity = await identify(request, config, redis, { keyCheckedByAdmission: keyCache });
    } else if (access !== 'public') identity = await identify(request, config, redis);

    if (!identity && access === 'page') {
      const guest = newGuestSession(config.guestPlan, now());
      const cookie = await signSession(guest, config.sessionSecret);
      responseHeaders.append('set-cookie', sessionCookie(cookie, url.protocol === 'https:'));
      identity = { userId: guest.userId, plan: guest.plan, admin: false, kind: 'guest' };
    }
    if (!identity && (access === 'user' || access === 'chat')) {
      throw new GatewayError('unauthorized', 'Send an API key as `Authorization: Bearer <key>`.');
    }
    if (identity) writeIdentity(forwarded, identity);

    if (access === 'page') {
      // On the request too: Next reads the nonce from it and puts it on the page's scripts.
      const policy = contentSecurityPolicy(newNonce(), { development: !config.production });
      forwarded.set('content-security-policy', policy);
      responseHeaders.set('content-security-policy', policy);
    }

    const response = NextResponse.next({ request: { headers: forwarded } });
    responseHeaders.forEach((value, name) => {
      response.headers.append(name, value);
    });
    return response;
  } catch (error) {
    return toResponse(asStoreFailure(error), responseHeaders);
  }
}
