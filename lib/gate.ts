import { NextResponse } from 'next/server';
import { errorBodyForPath } from '@/lib/anthropic/errors';
import { identify } from '@/lib/auth/identify';
import { newGuestSession, sessionCookie, signSession } from '@/lib/auth/session';
import type { Config } from '@/lib/config';
import { GatewayError, toResponse } from '@/lib/errors';
import { clientAddress } from '@/lib/http/client-address';
import { preflightResponse } from '@/lib/http/cors';
import { contentSecurityPolicy, newNonce } from '@/lib/http/security-headers';
import { getLimitStores } from '@/lib/limits';
import { getRedis } from '@/lib/store/redis';

export interface GateContext {
  config: Config;
  now?: () => number;
}

/** The methods an API route can answer; anything else (TRACE, CONNECT, …) is a 405 here. */
const apiMethods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Pages that make a guest of a visitor without a session: where the UI starts. */
const guestPages = new Set(['/', '/dashboard']);

function hasValidEncoding(pathname: string): boolean {
  try {
    decodeURIComponent(pathname);
    return true;
  } catch {
    return false;
  }
}

/**
 * Middleware's whole job. API routes get their identity, checks and errors from the door
 * (lib/http/door.ts); here only what must happen before Next routes a request: a path whose
 * percent-encoding is broken or a method no route has is refused in the error shape (Next would
 * answer 500), and CORS preflights are answered. Every page gets its nonce CSP, and a visitor
 * without a current session on the UI's pages becomes a guest, as often as their address allows.
 */
export async function gateRequest(
  request: Request,
  { config, now = Date.now }: GateContext,
): Promise<Response> {
  const url = new URL(request.url);
  const api = url.pathname.startsWith('/api/') || url.pathname === '/api';
  const errorBody = errorBodyForPath(url.pathname);
  if (!hasValidEncoding(url.pathname)) {
    return toResponse(
      new GatewayError('invalid_request', 'The path is not validly encoded.'),
      undefined,
      errorBody,
    );
  }
  if (api && !apiMethods.has(request.method)) {
    const refusal = toResponse(
      new GatewayError('invalid_request', `The method ${request.method} is not supported.`),
      undefined,
      errorBody,
    );
    return new Response(refusal.body, { status: 405, headers: refusal.headers });
  }
  if (api) {
    return request.method === 'OPTIONS'
      ? preflightResponse(request, config.corsOrigins)
      : NextResponse.next();
  }

  // On the request too: Next reads the nonce from it and puts it on the page's scripts.
  const policy = contentSecurityPolicy(newNonce(), { development: !config.production });
  const forwarded = new Headers(request.headers);
  forwarded.set('content-security-policy', policy);
  const response = NextResponse.next({ request: { headers: forwarded } });
  response.headers.set('content-security-policy', policy);
  if (guestPages.has(url.pathname)) {
    const cookie = await newGuestCookie(request, config, now()).catch(() => undefined);
    if (cookie) response.headers.append('set-cookie', cookie);
  }
  return response;
}

/**
 * A new guest's session cookie for a visitor without a current one; none when their address
 * started `guests.sessionsPerAddressPerDay` guests already (or the store is down): the page
 * still loads, and its chat asks them to sign in.
 */
async function newGuestCookie(
  request: Request,
  config: Config,
  now: number,
): Promise<string | undefined> {
  const redis = getRedis(config);
  const caller = await identify(request, config, redis, { now }).catch(() => undefined);
  if (caller?.identity || !redis) return undefined;
  const { success } = await getLimitStores(redis)
    .limiterFor('day', config.guests.sessionsPerAddressPerDay)
    .limit(`guest-sessions@${clientAddress(request)}`);
  if (!success) return undefined;
  const guest = newGuestSession(config.guestPlan, now);
  const value = await signSession(guest, config.sessionSecret);
  return sessionCookie(
    value,
    new URL(request.url).protocol === 'https:',
    config.sessionMaxAgeSeconds,
  );
}
