import { getConfig } from '@/lib/config';
import { GatewayError, toResponse } from '@/lib/errors';
import { toModel } from '@/lib/openai/models';
import { getCatalog } from '@/lib/providers/catalog';

export const runtime = 'edge';
export const dynamic = 'force-dynamic';

/** One catalog model. Ids contain `/`, sent as path segments or percent-encoded as one. */
export async function GET(_request: Request, { params }: { params: Promise<{ id: string[] }> }) {
  try {
    const id = decodeModelId((await params).id);
    const model = (await getCatalog(getConfig()).list()).find((entry) => entry.id === id);
    if (!model) {
      throw new GatewayError('model_not_found', `The model "${id}" does not exist.`, {
        param: 'model',
      });
    }
    return Response.json(toModel(model));
  } catch (error) {
    return toResponse(error);
  }
}

function decodeModelId(segments: string[]): string {
  try {
    return segments.map((segment) => decodeURIComponent(segment)).join('/');
  } catch {
    throw new GatewayError('invalid_request', 'The model id in the path is not valid.', {
      param: 'model',
    });
  }
}
