import type { NextRequest } from 'next/server';
import { getConfig } from '@/lib/config';
import { gateRequest } from '@/lib/gate';

export function middleware(request: NextRequest) {
  return gateRequest(request, { config: getConfig() });
}

// Every path but static files and the chat routes, which skip middleware for speed (a hand-off
// from middleware costs about 2 ms, see the README's performance section) and do everything
// in their door. A chat route added later belongs in this exclusion too.
export const config = {
  matcher: [
    '/((?!_next/static|_next/image|favicon\\.ico|api/chat$|api/v1/chat/completions$|api/v1/responses$|api/anthropic/v1/messages$|api/anthropic/v1/messages/count_tokens$|api/conversations/[^/]+/messages$).*)',
  ],
};
