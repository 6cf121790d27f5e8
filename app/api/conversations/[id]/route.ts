import { updateConversationSchema } from '@/lib/conversations/schema';
import { getConversationStore } from '@/lib/conversations/store';
import { handle, otherMethods } from '@/lib/http/door';

export const runtime = 'edge';
export const dynamic = 'force-dynamic';

// Someone else's conversation is a 404, like one that does not exist: ids are not confirmed.

export const GET = handle(
  { access: 'user', sessionCookie: true },
  async ({ params, identity, config }) =>
    Response.json(await getConversationStore(config).get(identity.userId, String(params.id))),
);

export const PATCH = handle(
  { access: 'user', body: updateConversationSchema, sessionCookie: true },
  async ({ params, body, identity, config }) =>
    Response.json(
      await getConversationStore(config).update(identity.userId, String(params.id), body),
    ),
);

export const DELETE = handle(
  { access: 'user', sessionCookie: true },
  async ({ params, identity, config }) => {
    await getConversationStore(config).remove(identity.userId, String(params.id));
    return new Response(null, { status: 204 });
  },
);

export const { POST, PUT } = otherMethods;
