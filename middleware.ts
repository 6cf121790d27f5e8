import { type NextRequest, NextResponse } from 'next/server';

// Identity travels from middleware to route handlers in these request headers only; a client
// that sends them itself must not be believed.
const internalHeaderPrefix = 'x-tollgate-';

export function middleware(request: NextRequest) {
  const headers = new Headers(request.headers);
  for (const name of [...headers.keys()]) {
    if (name.startsWith(internalHeaderPrefix)) headers.delete(name);
  }
  const requestId = crypto.randomUUID();
  headers.set('x-request-id', requestId);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set('x-request-id', requestId);
  return response;
}

export const config = { matcher: '/api/:path*' };
