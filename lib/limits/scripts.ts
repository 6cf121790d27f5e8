// Lua, so that each check-and-write is one atomic step in Redis: a budget is never checked by
// one request and spent by another in between.

/**
 * Reserves `input + output` tokens and their cost against the day and month budgets, clamping
 * the output to what remains. Expired reservations (from instances that died) are dropped first.
 *
 * KEYS: usage day, usage month, reservations, reservation amounts
 * ARGV: now, id, expiresAt, input, requestedOutput, minimalOutput, inputPrice, outputPrice
 *       (micro-dollars per token), tokensPerDay, tokensPerMonth, microPerDay, microPerMonth
 *       (-1 = no limit), day, month
 * Returns {1, output, tokens, micro} or {0, exhausted budget name}.
 */
export const reserveBudgetScript = `
local now = tonumber(ARGV[1])
local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)
for _, id in ipairs(expired) do redis.call('HDEL', KEYS[4], id) end
if #expired > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now) end

local day, month = ARGV[13], ARGV[14]
local heldDayTokens, heldDayMicro, heldMonthTokens, heldMonthMicro = 0, 0, 0, 0
for _, held in ipairs(redis.call('HVALS', KEYS[4])) do
  local tokens, micro, heldDay, heldMonth = string.match(held, '^(%d+):(%d+):([^:]+):([^:]+)$')
  if heldDay == day then
    heldDayTokens = heldDayTokens + tonumber(tokens)
    heldDayMicro = heldDayMicro + tonumber(micro)
  end
  if heldMonth == month then
    heldMonthTokens = heldMonthTokens + tonumber(tokens)
    heldMonthMicro = heldMonthMicro + tonumber(micro)
  end
end

local dayUsed = redis.call('HMGET', KEYS[1], 'tokens', 'micro')
local monthUsed = redis.call('HMGET', KEYS[2], 'tokens', 'micro')
local input = tonumber(ARGV[4])
local output = tonumber(ARGV[5])
local inputPrice = tonumber(ARGV[7])
local outputPrice = tonumber(ARGV[8])

local function fitTokens(limit, used, held)
  local room = limit - (tonumber(used) or 0) - held - input
  if room < output then output = room end
end
local function fitMicro(limit, used, held)
  local room = limit - (tonumber(used) or 0) - held - input * inputPrice
  if outputPrice > 0 then
    local fits = math.floor(room / outputPrice)
    if fits < output then output = fits end
  elseif room < 0 then
    output = -1
  end
end

local minimal = tonumber(ARGV[6])
local checks = {
  {fitTokens, 'tokensPerDay', tonumber(ARGV[9]), dayUsed[1], heldDayTokens},
  {fitTokens, 'tokensPerMonth', tonumber(ARGV[10]), monthUsed[1], heldMonthTokens},
  {fitMicro, 'spendPerDayUsd', tonumber(ARGV[11]), dayUsed[2], heldDayMicro},
  {fitMicro, 'spendPerMonthUsd', tonumber(ARGV[12]), monthUsed[2], heldMonthMicro},
}
for _, check in ipairs(checks) do
  if check[3] >= 0 then
    check[1](check[3], check[4], check[5])
    if output < minimal then return {0, check[2]} end
  end
end

local tokens = input + output
local micro = math.ceil(input * inputPrice + output * outputPrice)
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[2])
redis.call('HSET', KEYS[4], ARGV[2], tokens .. ':' .. micro .. ':' .. day .. ':' .. month)
local ttl = tonumber(ARGV[3]) - now + 60000
redis.call('PEXPIRE', KEYS[3], ttl)
redis.call('PEXPIRE', KEYS[4], ttl)
return {1, output, tokens, micro}
`;

/**
 * Settles a request: drops its reservation (if any) and records what it really used, in the
 * usage aggregates (which are also what budgets count), the request log and the user index.
 *
 * KEYS: usage day, usage month, reservations, reservation amounts, request log, users, user plans
 * ARGV: reservation id ('' for none), input, output, micro, model, counted (1 = a served
 *       request), log entry JSON, now, userId, plan, log length, retention seconds
 */
export const settleUsageScript = `
if ARGV[1] ~= '' then
  redis.call('ZREM', KEYS[3], ARGV[1])
  redis.call('HDEL', KEYS[4], ARGV[1])
end
local input, output, micro = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local model = 'm:' .. ARGV[5] .. ':'
if ARGV[6] == '1' then
  redis.call('HINCRBY', KEYS[1], 'requests', 1)
  redis.call('HINCRBY', KEYS[1], model .. 'requests', 1)
  redis.call('HINCRBY', KEYS[2], 'requests', 1)
end
for _, key in ipairs({KEYS[1], KEYS[2]}) do
  redis.call('HINCRBY', key, 'input', input)
  redis.call('HINCRBY', key, 'output', output)
  redis.call('HINCRBY', key, 'tokens', input + output)
  redis.call('HINCRBY', key, 'micro', micro)
  redis.call('EXPIRE', key, tonumber(ARGV[12]))
end
redis.call('HINCRBY', KEYS[1], model .. 'input', input)
redis.call('HINCRBY', KEYS[1], model .. 'output', output)
redis.call('HINCRBY', KEYS[1], model .. 'micro', micro)
redis.call('LPUSH', KEYS[5], ARGV[7])
redis.call('LTRIM', KEYS[5], 0, tonumber(ARGV[11]) - 1)
redis.call('EXPIRE', KEYS[5], tonumber(ARGV[12]))
redis.call('ZADD', KEYS[6], ARGV[8], ARGV[9])
redis.call('HSET', KEYS[7], ARGV[9], ARGV[10])
return 1
`;

/**
 * Takes a concurrency lease unless `limit` are already held; expired leases (instances that
 * died) do not count.
 *
 * KEYS: leases   ARGV: now, request id, expiresAt, limit
 * Returns {1, held} or {0, held, earliest expiry}.
 */
export const acquireLeaseScript = `
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local held = redis.call('ZCARD', KEYS[1])
if held >= tonumber(ARGV[4]) then
  local earliest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, held, tonumber(earliest[2])}
end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) - now + 1000)
return {1, held + 1}
`;
