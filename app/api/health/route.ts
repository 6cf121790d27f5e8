import { getConfig } from '@/lib/config';
import { checkHealth } from '@/lib/health';
import { getRedis } from '@/lib/store/redis';

export const runtime = 'edge';
export const dynamic = 'force-dynamic';

export async function GET() {
  const config = getConfig();
  const health = await checkHealth(config, getRedis(config));
  return Response.json(health, {
    status: health.status === 'ok' ? 200 : 503,
    headers: { 'cache-control': 'no-store' },
  });
}
