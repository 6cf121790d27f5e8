import type { KeyLimits } from './key-policy';

/** Who is calling, as the door (lib/http/door.ts) established it from the request's credentials. */
export interface Identity {
  userId: string;
  /** A key of the config's `plans`. */
  plan: string;
  admin: boolean;
  kind: 'api-key' | 'session' | 'guest' | 'admin-token';
  /** The API key used, directly or through a signed-in session. */
  keyId?: string;
  /**
   * The SHA-256 of the key's secret, when the key itself was sent: chat admission checks that
   * this very secret is still valid (a rotated key's old secret ends with its grace period).
   */
  keyHash?: string;
  /** The session cookie's id, when the caller came with one: sign-out revokes it. */
  sessionId?: string;
  /** The team of the key, from its record. */
  teamId?: string;
  /** The key's own limits, on top of its plan's. */
  keyLimits?: KeyLimits;
  /** Patterns of the models the key may use; undefined: every model. */
  allowedModels?: string[];
}
