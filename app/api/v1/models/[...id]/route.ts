import { GatewayError } from '@/lib/errors';
import { handle, otherMethods } from '@/lib/http/door';
import { toModel } from '@/lib/openai/models';
import { getCatalog } from '@/lib/providers/catalog';

export const runtime = 'edge';
export const dynamic = 'force-dynamic';

/** One catalog model. Ids contain `/`, sent as path segments or percent-encoded as one. */
export const GET = handle({ access: 'user', sessionCookie: false }, async ({ config, params }) => {
  const id = decodeModelId(params.id);
  const model = (await getCatalog(config).list()).find((entry) => entry.id === id);
  if (!model) {
    throw new GatewayError('model_not_found', `The model "${id}" does not exist.`, {
      param: 'model',
    });
  }
  return Response.json(toModel(model));
});

export const { POST, PUT, PATCH, DELETE } = otherMethods;

function decodeModelId(segments: string | string[] | undefined): string {
  try {
    return [segments ?? []]
      .flat()
      .map((segment) => decodeURIComponent(segment))
      .join('/');
  } catch {
    throw new GatewayError('invalid_request', 'The model id in the path is not valid.', {
      param: 'model',
    });
  }
}
