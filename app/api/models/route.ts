import { getConfig } from '@/lib/config';
import { toResponse } from '@/lib/errors';
import { getCatalog } from '@/lib/providers/catalog';

export const runtime = 'edge';
export const dynamic = 'force-dynamic';

export async function GET() {
  try {
    const config = getConfig();
    const models = await getCatalog(config).list();
    return Response.json({ defaultModel: config.defaultModel, models });
  } catch (error) {
    return toResponse(error);
  }
}
