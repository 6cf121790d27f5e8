import { isModelAllowed } from '@/lib/auth/key-policy';
import { GatewayError } from '@/lib/errors';
import { handle, otherMethods } from '@/lib/http/door';
import { toModel } from '@/lib/openai/models';
import { getCatalog } from '@/lib/providers/catalog';
import { findCatalogEntry, modelIdOfPath } from '@/lib/providers/model-path';

export const runtime = 'edge';
export const dynamic = 'force-dynamic';

/**
 * One catalog model. Ids contain `/`, sent as path segments or percent-encoded as one. A model
 * the key may not use is not in its list, so it is a 404 here too.
 */
export const GET = handle(
  { access: 'user', sessionCookie: false },
  async ({ config, params, identity }) => {
    const id = modelIdOfPath(params.id);
    if (!isModelAllowed(identity, id)) {
      throw new GatewayError('model_not_found', `The model "${id}" does not exist.`, {
        param: 'model',
      });
    }
    return Response.json(toModel(await findCatalogEntry(getCatalog(config), id)));
  },
);

export const { POST, PUT, PATCH, DELETE } = otherMethods;
