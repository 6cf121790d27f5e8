import { GatewayError } from '@/lib/errors';
import { handle } from '@/lib/http/door';

export const runtime = 'edge';

const notFound = handle({ access: 'public' }, ({ request }) => {
  const { pathname } = new URL(request.url);
  throw new GatewayError('not_found', `No endpoint ${request.method} ${pathname}.`);
});

export {
  notFound as DELETE,
  notFound as GET,
  notFound as HEAD,
  notFound as OPTIONS,
  notFound as PATCH,
  notFound as POST,
  notFound as PUT,
};
