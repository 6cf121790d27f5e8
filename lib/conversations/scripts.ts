/**
 * Lua scripts of the conversation store: each change is one script, so an ownership check and
 * the write it guards never interleave with another request's.
 */

/**
 * Every write refreshes a conversation's expiry when it has one (`ttl` in the record, seconds;
 * 0 for none): a guest's conversations end with the guest, unless they move to a user.
 */
const refreshExpiry = `
local function refreshExpiry(record, messages, index)
  local ttl = tonumber(redis.call('HGET', record, 'ttl') or '0')
  if ttl > 0 then
    redis.call('EXPIRE', record, ttl)
    redis.call('EXPIRE', messages, ttl)
    redis.call('EXPIRE', index, ttl)
  end
end
`;

/**
 * KEYS: index, record, messages. ARGV: id, owner, meta JSON, now, max conversations, ttl
 * seconds (0: none). 1, or 0 when the owner has the most conversations allowed.
 */
export const createScript = `${refreshExpiry}
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[5]) then return 0 end
redis.call('HSET', KEYS[2], 'meta', ARGV[3], 'owner', ARGV[2], 'tokens', 0, 'micro', 0, 'updatedAt', ARGV[4], 'ttl', ARGV[6])
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[1])
refreshExpiry(KEYS[2], KEYS[3], KEYS[1])
return 1
`;

/**
 * One page of the owner's index, newest first, after the cursor (score ARGV[1], id ARGV[2]; ties
 * of a score are ordered by id, descending, as ZRANGE REV orders them). KEYS: index. ARGV: max
 * score ('+inf' for the first page), cursor id ('' for none), limit, record key prefix.
 * Returns [[id, updatedAt, meta, tokens, micro, message count], ...], limit + 1 at most.
 */
export const listScript = `
local limit = tonumber(ARGV[3])
local maxScore = ARGV[1]
local cursorId = ARGV[2]
local page = {}
local offset = 0
while #page <= limit do
  local batch = redis.call('ZRANGE', KEYS[1], maxScore, '-inf', 'BYSCORE', 'REV', 'LIMIT', offset, limit + 1, 'WITHSCORES')
  if #batch == 0 then break end
  for i = 1, #batch, 2 do
    local id, score = batch[i], batch[i + 1]
    local seen = cursorId ~= '' and score == maxScore and id >= cursorId
    if not seen and #page <= limit then
      local record = ARGV[4] .. id
      local fields = redis.call('HMGET', record, 'meta', 'tokens', 'micro')
      page[#page + 1] = { id, score, fields[1], fields[2], fields[3], redis.call('LLEN', record .. ':messages') }
    end
  end
  offset = offset + limit + 1
end
return page
`;

/**
 * Changes the fields of a conversation its owner names. KEYS: index, record, messages. ARGV: id,
 * patch JSON (a null removes the field), now. 1, or 0 when the caller does not own it.
 */
export const updateScript = `${refreshExpiry}
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
local meta = cjson.decode(redis.call('HGET', KEYS[2], 'meta'))
for field, value in pairs(cjson.decode(ARGV[2])) do
  if value == cjson.null then meta[field] = nil else meta[field] = value end
end
redis.call('HSET', KEYS[2], 'meta', cjson.encode(meta), 'updatedAt', ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
refreshExpiry(KEYS[2], KEYS[3], KEYS[1])
return 1
`;

/** KEYS: index, record, messages. ARGV: id. 1, or 0 when the caller does not own it. */
export const deleteScript = `
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('DEL', KEYS[2], KEYS[3])
return 1
`;

/**
 * Appends the turns of one answer and adds its usage to the totals. A regenerated answer first
 * drops what follows the last user turn (the answer it replaces). The conversation is found by
 * its record, not its owner's index: it may have moved to another owner (a sign-in) while the
 * answer streamed. KEYS: record, messages. ARGV: index prefix, id, now, tokens, micro,
 * regenerate (1/0), turn JSON... 1, or 0 when the conversation was deleted meanwhile.
 */
export const appendScript = `${refreshExpiry}
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[6] == '1' then
  while true do
    local last = redis.call('LINDEX', KEYS[2], -1)
    if not last or cjson.decode(last).role == 'user' then break end
    redis.call('RPOP', KEYS[2])
  end
end
for i = 7, #ARGV do redis.call('RPUSH', KEYS[2], ARGV[i]) end
redis.call('HINCRBY', KEYS[1], 'tokens', ARGV[4])
redis.call('HINCRBY', KEYS[1], 'micro', ARGV[5])
redis.call('HSET', KEYS[1], 'updatedAt', ARGV[3])
local index = ARGV[1] .. redis.call('HGET', KEYS[1], 'owner')
redis.call('ZADD', index, 'XX', ARGV[3], ARGV[2])
refreshExpiry(KEYS[1], KEYS[2], index)
return 1
`;

/**
 * Moves every conversation of one owner to another (a guest who signs in), where they no longer
 * expire. KEYS: from index, to index. ARGV: new owner, record key prefix. Returns how many moved.
 */
export const moveScript = `
local entries = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
for i = 1, #entries, 2 do
  local record = ARGV[2] .. entries[i]
  if redis.call('EXISTS', record) == 1 then
    redis.call('HSET', record, 'owner', ARGV[1], 'ttl', 0)
    redis.call('PERSIST', record)
    redis.call('PERSIST', record .. ':messages')
    redis.call('ZADD', KEYS[2], entries[i + 1], entries[i])
  end
end
redis.call('DEL', KEYS[1])
return #entries / 2
`;
