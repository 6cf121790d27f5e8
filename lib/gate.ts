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

type Access = 'page' | 'public' | 'user';

/** What a path needs: user endpoints need an identity, pages make a guest of whoever has none. */
export function accessOf(method: string, pathname: string): Access {
  if (!pathname.startsWith('/api/')) return 'page';
  if (/^\/api\/(v1\/models|usage|limits|keys)(\/|$)/.test(pathname)) return 'user';
  if (method === 'GET' && pathname === '/api/session') return 'user';
  return 'public';
}

export interface GateContext {
  config: Config;
  now?: () => number;
}

/** The headers every API response carries: its request id, and CORS for an allowed origin. */
export function apiResponseHeaders(request: Request, config: Config, requestId: string): Headers {
  const headers = corsHeaders(request.headers.get('origin'), config.corsOrigins);
  headers.set('x-request-id', requestId);
  return headers;
}

const isolateKeyCache = createApiKeyCache();

/**
 * Who sends a chat request. The chat routes identify their callers themselves: middleware does
 * not run for them, because handing a request from middleware to a route costs about 2 ms (see
 * the README's performance section). Their admission checks in its own round trip that the key
 * still exists, so the key's record may come from a cache, and a cached key costs no round trip.
 */
export async function identifyChatCaller(
  request: Request,
  config: Config,
  keyCache: ApiKeyCache = isolateKeyCache,
): Promise<Identity> {
  const identity = await identify(request, config, getRedis(config), {
    keyCheckedByAdmission: keyCache,
  }).catch((error) => {
    throw asStoreFailure(error);
  });
  if (!identity) {
    throw new GatewayError('unauthorized', 'Send an API key as `Authorization: Bearer <key>`.');
  }
  return identity;
}

/**
 * Middleware's whole job, for every route but chat: drop client-sent identity headers, establish
 * who is calling and hand the identity on.
 */
export async function gateRequest(
  request: Request,
  { config, now = Date.now }: GateContext,
): Promise<Response> {
  const url = new URL(request.url);
  if (request.method === 'OPTIONS' && url.pathname.startsWith('/api/')) {
    return preflightResponse(request, config.corsOrigins);
  }
  const requestId = crypto.randomUUID();
  const responseHeaders = apiResponseHeaders(request, config, requestId);
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
    else if (access === 'user') identity = await identify(request, config, redis);

    if (!identity && access === 'page') {
      const guest = newGuestSession(config.guestPlan, now());
      const cookie = await signSession(guest, config.sessionSecret);
      responseHeaders.append('set-cookie', sessionCookie(cookie, url.protocol === 'https:'));
      identity = { userId: guest.userId, plan: guest.plan, admin: false, kind: 'guest' };
    }
    if (!identity && access === 'user') {
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
