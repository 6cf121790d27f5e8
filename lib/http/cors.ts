const exposedHeaders = [
  'x-request-id',
  'x-tollgate-model',
  'x-tollgate-provider',
  'x-tollgate-cache',
  'retry-after',
  'x-ratelimit-limit-requests',
  'x-ratelimit-remaining-requests',
  'x-ratelimit-reset-requests',
  'x-ratelimit-limit-tokens',
  'x-ratelimit-remaining-tokens',
  'x-ratelimit-reset-tokens',
].join(', ');

/**
 * The CORS headers for a browser request from `origin`, or none when the origin is not allowed.
 * Credentials are never allowed cross-origin: other apps authenticate with API keys, and the
 * session cookie stays with Tollgate's own pages.
 */
export function corsHeaders(origin: string | null, allowedOrigins: string[]): Headers {
  const headers = new Headers();
  if (!origin) return headers;
  if (allowedOrigins.includes('*')) headers.set('access-control-allow-origin', '*');
  else if (allowedOrigins.includes(origin)) {
    headers.set('access-control-allow-origin', origin);
    headers.set('vary', 'origin');
  } else return headers;
  headers.set('access-control-expose-headers', exposedHeaders);
  return headers;
}

export function preflightResponse(request: Request, allowedOrigins: string[]): Response {
  const headers = corsHeaders(request.headers.get('origin'), allowedOrigins);
  if (headers.has('access-control-allow-origin')) {
    headers.set('access-control-allow-methods', 'GET, POST, DELETE, OPTIONS');
    headers.set(
      'access-control-allow-headers',
      request.headers.get('access-control-request-headers') ??
        'authorization, content-type, x-api-key',
    );
    headers.set('access-control-max-age', '86400');
  }
  return new Response(null, { status: 204, headers });
}
