import type { Redis } from '@upstash/redis';
import { redisKeys } from '@/lib/limits/keys';

/** One stored answer: the response as the client received it, and what it cost. */
export interface CachedResponse {
  v: 1;
  /** Epoch ms when the answer was complete and stored. */
  storedAt: number;
  status: number;
  headers: Array<[string, string]>;
  /** The body chunks as they were sent, each base64. */
  chunks: string[];
  /** The catalog model and the provider that served the original. */
  model: string;
  provider: string;
  /** What the original cost: what every hit saves. */
  savedMicroUsd: number;
}

export interface ResponseCache {
  /** The entry under `hash` if it is at most `maxAgeMs` old; a read failure reads as none. */
  lookup(hash: string, maxAgeMs: number): Promise<CachedResponse | undefined>;
  /** Stores an entry for `ttlSeconds`, evicting others while the total is over its cap. */
  save(hash: string, entry: CachedResponse, ttlSeconds: number): Promise<void>;
}

export interface ResponseCacheOptions {
  redis: Pick<Redis, 'get' | 'createScript'>;
  /** The stored entries' total size past which the ones closest to expiry are evicted. */
  maxTotalBytes: number;
  now?: () => number;
}

/** Expired index members dropped per save, so one save never walks a long backlog. */
const expiredPerSave = 100;

/**
 * Stores an entry and keeps the index, sizes and total in step, in one atomic step: drops what
 * expired, replaces an older copy of the same entry, then evicts the entries closest to expiry
 * while the total is over the cap.
 *
 * KEYS: entry, index (ZSET entry -> expiry), sizes (HASH entry -> bytes), total bytes
 * ARGV: 1 value, 2 now, 3 ttl ms, 4 size, 5 max total, 6 expired dropped at most
 * Returns the number of entries evicted for room.
 */
const saveScript = `
local now = tonumber(ARGV[2])
local function forget(member)
  local size = tonumber(redis.call('HGET', KEYS[3], member))
  if size then redis.call('DECRBY', KEYS[4], size) end
  redis.call('HDEL', KEYS[3], member)
  redis.call('ZREM', KEYS[2], member)
end
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, tonumber(ARGV[6]))
for _, member in ipairs(expired) do forget(member) end
forget(KEYS[1])
local ttl = tonumber(ARGV[3])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
redis.call('ZADD', KEYS[2], now + ttl, KEYS[1])
redis.call('HSET', KEYS[3], KEYS[1], ARGV[4])
local total = redis.call('INCRBY', KEYS[4], tonumber(ARGV[4]))
local evicted = 0
while total > tonumber(ARGV[5]) do
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
  if not oldest then break end
  redis.call('DEL', oldest)
  forget(oldest)
  evicted = evicted + 1
  total = tonumber(redis.call('GET', KEYS[4])) or 0
end
return evicted
`;

export function createResponseCache({
  redis,
  maxTotalBytes,
  now = Date.now,
}: ResponseCacheOptions): ResponseCache {
  const script = redis.createScript<number>(saveScript);
  return {
    async lookup(hash, maxAgeMs) {
      let stored: unknown;
      try {
        stored = await redis.get(redisKeys.cacheEntry(hash));
      } catch {
        // The cache only saves work: when the store fails, admission decides what happens.
        return undefined;
      }
      const entry = parseEntry(stored);
      return entry && now() - entry.storedAt <= maxAgeMs ? entry : undefined;
    },

    async save(hash, entry, ttlSeconds) {
      const value = JSON.stringify(entry);
      await script.exec(
        [
          redisKeys.cacheEntry(hash),
          redisKeys.cacheIndex(),
          redisKeys.cacheSizes(),
          redisKeys.cacheBytes(),
        ],
        [
          value,
          String(now()),
          String(ttlSeconds * 1000),
          String(new TextEncoder().encode(value).byteLength),
          String(maxTotalBytes),
          String(expiredPerSave),
        ],
      );
    },
  };
}

/** The client parses JSON replies itself; a string is parsed here. Anything else is no entry. */
function parseEntry(stored: unknown): CachedResponse | undefined {
  let value = stored;
  if (typeof stored === 'string') {
    try {
      value = JSON.parse(stored);
    } catch {
      return undefined;
    }
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const entry = value as CachedResponse;
  return entry.v === 1 && Array.isArray(entry.chunks) && typeof entry.storedAt === 'number'
    ? entry
    : undefined;
}
