import type { Limits } from '@/lib/config';

/** Who is calling, as the door (lib/http/door.ts) established it from the request's credentials. */
export interface Identity {
  userId: string;
  /** A key of the config's `plans`. */
  plan: string;
  admin: boolean;
  kind: 'api-key' | 'session' | 'guest' | 'admin-token';
  /** The API key used, directly or through a signed-in session. */
  keyId?: string;
  /** The session cookie's id, when the caller came with one: sign-out revokes it. */
  sessionId?: string;
  /** The team of the API key (from its record), which wins over the user's membership. */
  teamId?: string;
  /** The API key's own limits (from its record), checked on top of the plan's. */
  keyLimits?: Limits;
}
