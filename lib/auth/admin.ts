import { GatewayError } from '@/lib/errors';
import { type Identity, readIdentity } from './identity';

/** The caller middleware identified; 401 when there is none. */
export function requireIdentity(request: Request): Identity {
  const identity = readIdentity(request);
  if (!identity)
    throw new GatewayError('unauthorized', 'Send an API key as `Authorization: Bearer <key>`.');
  return identity;
}

export function requireAdmin(request: Request): Identity {
  const identity = requireIdentity(request);
  if (!identity.admin) throw new GatewayError('forbidden', 'This endpoint is for administrators.');
  return identity;
}
