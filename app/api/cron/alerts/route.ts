import { sweepDueAlerts } from '@/lib/alerts';
import { requireRedis } from '@/lib/auth/identify';
import { handle, otherMethods } from '@/lib/http/door';
import { getRedis } from '@/lib/store/redis';

export const runtime = 'edge';
export const dynamic = 'force-dynamic';

/** Vercel Cron (vercel.json) calls this with `Authorization: Bearer <CRON_SECRET>`. */
export const GET = handle({ access: 'cron' }, async ({ config }) =>
  Response.json(await sweepDueAlerts(requireRedis(getRedis(config))), {
    headers: { 'cache-control': 'no-store' },
  }),
);

export const { POST, PUT, PATCH, DELETE } = otherMethods;
