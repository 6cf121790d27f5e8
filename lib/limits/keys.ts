/** Every Redis key the gateway writes, in one place, so nothing collides and nothing is guessed. */
export const redisKeys = {
  /** HASH per user per UTC day: requests, input, output, tokens, micro, m:<model>:<field>. */
  usageDay: (userId: string, day: string) => `tg:usage:${userId}:d:${day}`,
  /** HASH per user per UTC month: requests, input, output, tokens, micro. */
  usageMonth: (userId: string, month: string) => `tg:usage:${userId}:m:${month}`,
  /** ZSET of open budget reservations: member id, score expiry (epoch ms). */
  reservations: (userId: string) => `tg:reservations:${userId}`,
  /** HASH reservation id -> "tokens:micro:day:month". */
  reservationAmounts: (userId: string) => `tg:reservations:${userId}:amounts`,
  /** ZSET of in-flight requests: member request id, score lease expiry (epoch ms). */
  leases: (userId: string) => `tg:leases:${userId}`,
  /** LIST of the user's recent requests, newest first, JSON. */
  requestLog: (userId: string) => `tg:log:${userId}`,
  /** ZSET of every user that has used the gateway: score last seen (epoch ms). */
  users: () => 'tg:users',
  /** HASH userId -> plan, as last seen. */
  userPlans: () => 'tg:user-plans',
  /** STRING per API key, by the SHA-256 of the key: the key's record, JSON. */
  apiKeyByHash: (hash: string) => `tg:api-key:${hash}`,
  /** HASH key id -> the key's record with its hash, JSON (no secret). */
  apiKeys: () => 'tg:api-keys',
  /** STRING per signed-out session id, expiring with the session's lifetime: the session is over. */
  revokedSession: (sessionId: string) => `tg:session-revoked:${sessionId}`,
  /** Prefix of the @upstash/ratelimit windows. */
  rateLimit: (window: 'minute' | 'day') => `tg:ratelimit:${window}`,
} as const;

/** Whose usage a hash holds (brief contract 2): a user is its id; the rest are prefixed. */
export const ledgerIds = {
  team: (id: string) => `team:${id}`,
  key: (id: string) => `key:${id}`,
  deployment: '*',
} as const;
