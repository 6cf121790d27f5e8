import type { NextFetchEvent, NextRequest } from 'next/server';
import { getConfig } from '@/lib/config';
import { gateRequest } from '@/lib/gate';

export function middleware(request: NextRequest, event: NextFetchEvent) {
  return gateRequest(request, {
    config: getConfig(),
    defer: (task) => event.waitUntil(task.catch(() => {})),
  });
}

export const config = { matcher: ['/api/:path*', '/', '/dashboard'] };
