import { isModelAllowed } from '@/lib/auth/key-policy';
import { handle, otherMethods } from '@/lib/http/door';
import { toModelList } from '@/lib/openai/models';
import { getCatalog } from '@/lib/providers/catalog';

export const runtime = 'edge';
export const dynamic = 'force-dynamic';

/** The catalog, or for a key restricted to some models only those it may use. */
export const GET = handle({ access: 'user', sessionCookie: false }, async ({ config, identity }) =>
  Response.json(
    toModelList(
      (await getCatalog(config).list()).filter((model) => isModelAllowed(identity, model.id)),
    ),
  ),
);

export const { POST, PUT, PATCH, DELETE } = otherMethods;
