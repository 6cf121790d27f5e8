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
  /**
   * STRING per API key, by the SHA-256 of the key: its record as written before rotation
   * existed; read once and moved to `apiKeySecret`.
   */
  apiKeyByHash: (hash: string) => `tg:api-key:${hash}`,
  /**
   * HASH per secret, by the SHA-256 of the secret: key id -> the key's record, JSON. Chat
   * admission checks that the field exists, so a rotated secret stops when this key expires.
   */
  apiKeySecret: (hash: string) => `tg:api-key-secret:${hash}`,
  /** HASH key id -> the key's record with its secrets' hashes, JSON (no secret). */
  apiKeys: () => 'tg:api-keys',
  /** HASH key id -> when the key was last used (epoch ms), written after the response. */
  apiKeyLastUsed: () => 'tg:api-key-last-used',
  /** HASH team id -> the team, JSON (the teams' store, lib/teams). */
  teams: () => 'tg:teams',
  /** STRING per signed-out session id, expiring with the session's lifetime: the session is over. */
  revokedSession: (sessionId: string) => `tg:session-revoked:${sessionId}`,
  /** Prefix of the @upstash/ratelimit windows. */
  rateLimit: (window: 'minute' | 'day') => `tg:ratelimit:${window}`,
  /** STRING per response-cache entry, by the SHA-256 of its key (lib/cache/key.ts), with a TTL. */
  cacheEntry: (hash: string) => `tg:cache:${hash}`,
  /** ZSET of response-cache entries: member entry key, score expiry (epoch ms). */
  cacheIndex: () => 'tg:cache-index',
  /** HASH entry key -> its size in bytes; and the STRING total of those sizes. */
  cacheSizes: () => 'tg:cache-sizes',
  cacheBytes: () => 'tg:cache-bytes',
} as const;
