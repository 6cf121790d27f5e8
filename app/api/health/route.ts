import { checkHealth } from '@/lib/health';
import { handle, otherMethods } from '@/lib/http/door';
import { getRedis } from '@/lib/store/redis';

export const runtime = 'edge';
export const dynamic = 'force-dynamic';

export const GET = handle({ access: 'public' }, async ({ config }) => {
  const health = await checkHealth(config, getRedis(config));
  return Response.json(health, {
    status: health.status === 'ok' ? 200 : 503,
    headers: { 'cache-control': 'no-store' },
  });
});

export const { POST, PUT, PATCH, DELETE } = otherMethods;
