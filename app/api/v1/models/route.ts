import { getConfig } from '@/lib/config';
import { toResponse } from '@/lib/errors';
import { toModelList } from '@/lib/openai/models';
import { getCatalog } from '@/lib/providers/catalog';

export const runtime = 'edge';
export const dynamic = 'force-dynamic';

export async function GET() {
  try {
    return Response.json(toModelList(await getCatalog(getConfig()).list()));
  } catch (error) {
    return toResponse(error);
  }
}
