import { GatewayError, toResponse } from '@/lib/errors';

export const runtime = 'edge';

function notFound(request: Request) {
  const { pathname } = new URL(request.url);
  return toResponse(new GatewayError('not_found', `No endpoint ${request.method} ${pathname}.`));
}

export {
  notFound as DELETE,
  notFound as GET,
  notFound as HEAD,
  notFound as OPTIONS,
  notFound as PATCH,
  notFound as POST,
  notFound as PUT,
};
