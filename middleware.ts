import type { NextRequest } from 'next/server';
import { getConfig } from '@/lib/config';
import { gateRequest } from '@/lib/gate';

export function middleware(request: NextRequest) {
  return gateRequest(request, { config: getConfig() });
}

export const config = { matcher: ['/api/:path*', '/', '/dashboard'] };
