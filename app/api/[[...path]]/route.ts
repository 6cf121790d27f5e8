import { errorBodyForPath } from '@/lib/anthropic/errors';
import { GatewayError } from '@/lib/errors';
import { handle, type RouteHandler } from '@/lib/http/door';

export const runtime = 'edge';

const notFoundIn = (errorBody: ReturnType<typeof errorBodyForPath>) =>
  handle({ access: 'public', errorBody }, ({ request }) => {
    const { pathname } = new URL(request.url);
    throw new GatewayError('not_found', `No endpoint ${request.method} ${pathname}.`);
  });
const openAINotFound = notFoundIn(undefined);
const anthropicNotFound = notFoundIn(errorBodyForPath('/api/anthropic/'));

/** A 404 in the error shape of the API the path is under (Anthropic's under /api/anthropic/). */
const notFound: RouteHandler = (request, context) =>
  (errorBodyForPath(new URL(request.url).pathname) ? anthropicNotFound : openAINotFound)(
    request,
    context,
  );

export {
  notFound as DELETE,
  notFound as GET,
  notFound as HEAD,
  notFound as OPTIONS,
  notFound as PATCH,
  notFound as POST,
  notFound as PUT,
};
