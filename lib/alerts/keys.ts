/** The Redis keys of spend alerts (beside lib/limits/keys.ts, which owns the usage hashes). */
export const alertKeys = {
  /** STRING, set once (NX) by the first settlement that crosses the threshold; expires after the period. */
  fired: (ledgerId: string, limit: string, period: string, threshold: number) =>
    `tg:alert-fired:${ledgerId}:${limit}:${period}:${threshold}`,
  /** STRING per alert: what fired, JSON (immutable). */
  alert: (id: string) => `tg:alert:${id}`,
  /** STRING per alert: its delivery (status, attempts, destination), JSON. */
  delivery: (id: string) => `tg:alert-delivery:${id}`,
  /** ZSET of every recent alert: score epoch ms fired. */
  recent: () => 'tg:alerts',
  /** ZSET of the recent alerts a user (`<userId>`, their keys' too) or team (`team:<id>`) may see. */
  scope: (scope: string) => `tg:alerts:${scope}`,
  /** ZSET of deliveries not yet done: score epoch ms the next attempt is due (or its lease ends). */
  outbox: () => 'tg:alert-outbox',
} as const;
