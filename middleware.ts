import { type NextRequest, NextResponse } from 'next/server';
import { getConfig } from '@/lib/config';
import { corsHeaders, preflightResponse } from '@/lib/http/cors';

// Identity travels from middleware to route handlers in these request headers only; a client
// that sends them itself must not be believed.
const internalHeaderPrefix = 'x-tollgate-';

export function middleware(request: NextRequest) {
  const { corsOrigins } = getConfig();
  if (request.method === 'OPTIONS') return preflightResponse(request, corsOrigins);

  const headers = new Headers(request.headers);
  for (const name of [...headers.keys()]) {
    if (name.startsWith(internalHeaderPrefix)) headers.delete(name);
  }
  const requestId = crypto.randomUUID();
  headers.set('x-request-id', requestId);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set('x-request-id', requestId);
  corsHeaders(request.headers.get('origin'), corsOrigins).forEach((value, name) => {
    response.headers.set(name, value);
  });
  return response;
}

export const config = { matcher: '/api/:path*' };
