import { handle, otherMethods } from '@/lib/http/door';
import { toModelList } from '@/lib/openai/models';
import { getCatalog } from '@/lib/providers/catalog';

export const runtime = 'edge';
export const dynamic = 'force-dynamic';

export const GET = handle({ access: 'user', sessionCookie: false }, async ({ config }) =>
  Response.json(toModelList(await getCatalog(config).list())),
);

export const { POST, PUT, PATCH, DELETE } = otherMethods;
