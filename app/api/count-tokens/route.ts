import { checkKeyModel } from '@/lib/auth/key-policy';
import { countInputTokens, countTokensBodySchema } from '@/lib/chat/count-tokens';
import { catalogIdOf } from '@/lib/config';
import { handle, otherMethods } from '@/lib/http/door';
import { getCatalog } from '@/lib/providers/catalog';

export const runtime = 'edge';
export const dynamic = 'force-dynamic';

/** The gateway's own count (no upstream call, no admission, no usage recorded). */
export const POST = handle(
  { access: 'user', body: countTokensBodySchema },
  async ({ config, body, identity }) => {
    checkKeyModel(identity, catalogIdOf(config, body.model));
    return Response.json(await countInputTokens(getCatalog(config), body));
  },
);

export const { GET, PUT, PATCH, DELETE } = otherMethods;
