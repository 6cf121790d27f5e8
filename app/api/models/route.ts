import { handle, otherMethods } from '@/lib/http/door';
import { getCatalog } from '@/lib/providers/catalog';

export const runtime = 'edge';
export const dynamic = 'force-dynamic';

export const GET = handle({ access: 'public' }, async ({ config }) => {
  const models = await getCatalog(config).list();
  return Response.json({ defaultModel: config.defaultModel, models });
});

export const { POST, PUT, PATCH, DELETE } = otherMethods;
