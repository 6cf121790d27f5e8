import { GatewayError } from '@/lib/errors';

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Whether a request changes state (a cross-site form or script could send it with our cookie). */
export const changesState = (request: Request) => !safeMethods.has(request.method);

/**
 * The app's own origin as the browser saw it: the request's URL, its Host, or what a proxy in
 * front says (`x-forwarded-proto` / `-host`, as behind a TLS-terminating proxy). A page on
 * another origin cannot set these headers on a request that carries the cookie: that needs a
 * credentialed CORS preflight, which is never granted.
 */
function ownOrigins(request: Request): Set<string> {
  const url = new URL(request.url);
  const origins = new Set([url.origin]);
  const host = request.headers.get('host');
  if (host) origins.add(`${url.protocol}//${host}`);
  const forwardedHost = request.headers.get('x-forwarded-host')?.split(',')[0]?.trim() || host;
  const forwardedProto = request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim();
  if (forwardedHost && forwardedProto) origins.add(`${forwardedProto}://${forwardedHost}`);
  return origins;
}

/**
 * The cross-site request forgery check for a state-changing request that no API key signs (so a
 * browser's cookie, or a sign-in form, is what it relies on). A browser names where a request
 * comes from in `Origin` and `Sec-Fetch-Site`: either one that is not this app refuses it, so
 * another origin of the same site is refused too. A body must be `application/json`, which no
 * HTML form can send without a CORS preflight. Clients that are not browsers send neither
 * header and are not affected.
 */
export function checkSameOrigin(request: Request, { expectsBody }: { expectsBody: boolean }): void {
  const origin = request.headers.get('origin');
  const fetchSite = request.headers.get('sec-fetch-site');
  const crossSite =
    (origin !== null && !ownOrigins(request).has(origin)) ||
    (fetchSite !== null && fetchSite !== 'same-origin' && fetchSite !== 'none');
  if (crossSite) {
    throw new GatewayError(
      'forbidden',
      'Cross-origin requests with the session cookie are refused; send an API key instead.',
    );
  }
  const mediaType = request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (expectsBody && mediaType !== 'application/json') {
    throw new GatewayError(
      'invalid_request',
      'Send the body as `content-type: application/json`.',
      {
        param: 'content-type',
      },
    );
  }
}
