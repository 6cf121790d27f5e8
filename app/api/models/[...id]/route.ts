import { handle, otherMethods } from '@/lib/http/door';
import { getCatalog } from '@/lib/providers/catalog';
import { findCatalogEntry, modelIdOfPath } from '@/lib/providers/model-path';

export const runtime = 'edge';
export const dynamic = 'force-dynamic';

/** One entry of `/api/models`. Ids contain `/`, sent as path segments or percent-encoded as one. */
export const GET = handle({ access: 'public' }, async ({ config, params }) =>
  Response.json(await findCatalogEntry(getCatalog(config), modelIdOfPath(params.id))),
);

export const { POST, PUT, PATCH, DELETE } = otherMethods;
