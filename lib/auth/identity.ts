/** Who is calling, as middleware established it. */
export interface Identity {
  userId: string;
  /** A key of the config's `plans`. */
  plan: string;
  admin: boolean;
  kind: 'api-key' | 'session' | 'guest' | 'admin-token';
  /** The API key used, directly or through a signed-in session. */
  keyId?: string;
}

/** Middleware hands the identity to route handlers in these headers; clients' copies are dropped. */
export const identityHeaders = {
  user: 'x-tollgate-user',
  plan: 'x-tollgate-plan',
  admin: 'x-tollgate-admin',
  kind: 'x-tollgate-kind',
  keyId: 'x-tollgate-key-id',
} as const;

export const internalHeaderPrefix = 'x-tollgate-';

export function writeIdentity(headers: Headers, identity: Identity): void {
  headers.set(identityHeaders.user, identity.userId);
  headers.set(identityHeaders.plan, identity.plan);
  headers.set(identityHeaders.kind, identity.kind);
  if (identity.admin) headers.set(identityHeaders.admin, '1');
  if (identity.keyId) headers.set(identityHeaders.keyId, identity.keyId);
}

/** The identity middleware verified, or undefined on a route middleware let through anonymous. */
export function readIdentity(request: Request): Identity | undefined {
  const userId = request.headers.get(identityHeaders.user);
  const plan = request.headers.get(identityHeaders.plan);
  if (!userId || !plan) return undefined;
  return {
    userId,
    plan,
    admin: request.headers.get(identityHeaders.admin) === '1',
    kind: (request.headers.get(identityHeaders.kind) ?? 'api-key') as Identity['kind'],
    keyId: request.headers.get(identityHeaders.keyId) ?? undefined,
  };
}
