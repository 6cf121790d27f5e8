import { createConversationSchema, listConversationsSchema } from '@/lib/conversations/schema';
import { getConversationStore } from '@/lib/conversations/store';
import { handle, otherMethods } from '@/lib/http/door';

export const runtime = 'edge';
export const dynamic = 'force-dynamic';

/**
 * Starts a conversation owned by the caller. A guest's ends with the guest: it expires when the
 * guest's session would, unless the guest signs in (it then moves to the user, for good).
 */
export const POST = handle(
  { access: 'user', body: createConversationSchema, sessionCookie: true },
  async ({ body, identity, config }) => {
    const conversation = await getConversationStore(config).create(
      identity.userId,
      { ...body, title: body.title ?? 'New chat' },
      { expiresAfterSeconds: identity.kind === 'guest' ? config.sessionMaxAgeSeconds : 0 },
    );
    return Response.json(conversation, { status: 201 });
  },
);

/** The caller's conversations, most recently updated first, without their messages. */
export const GET = handle(
  { access: 'user', query: listConversationsSchema, sessionCookie: true },
  async ({ query, identity, config }) =>
    Response.json(await getConversationStore(config).list(identity.userId, query)),
);

export const { PUT, PATCH, DELETE } = otherMethods;
