import type { NextRequest } from 'next/server';
import { getConfig } from '@/lib/config';
import { gateRequest } from '@/lib/gate';

export function middleware(request: NextRequest) {
  return gateRequest(request, { config: getConfig() });
}

// The chat routes identify their callers themselves (lib/gate.ts says why).
export const config = {
  matcher: [
    '/api/((?!(?:chat|v1/chat/completions|v1/responses|anthropic/v1/messages(?:/count_tokens)?)$).*)',
    '/',
    '/dashboard',
  ],
};
