import { handle, otherMethods } from '@/lib/http/door';
import { toModel } from '@/lib/openai/models';
import { getCatalog } from '@/lib/providers/catalog';
import { findCatalogEntry, modelIdOfPath } from '@/lib/providers/model-path';

export const runtime = 'edge';
export const dynamic = 'force-dynamic';

/** One catalog model. Ids contain `/`, sent as path segments or percent-encoded as one. */
export const GET = handle({ access: 'user', sessionCookie: false }, async ({ config, params }) =>
  Response.json(toModel(await findCatalogEntry(getCatalog(config), modelIdOfPath(params.id)))),
);

export const { POST, PUT, PATCH, DELETE } = otherMethods;
