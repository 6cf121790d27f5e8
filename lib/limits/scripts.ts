// Lua, so that each check-and-write is one atomic step in Redis: a budget is never checked by
// one request and spent by another in between, and a whole admission costs one command.

/**
 * Admits one chat request, all or nothing: checks that the API key it came with still exists,
 * takes a concurrency lease, and reserves `input + output` tokens and their cost against the day
 * and month budgets, clamping the output to what remains. Nothing is written unless every check
 * passes, so a request refused for concurrency holds no budget and one refused for budget holds
 * no lease. Expired leases and reservations (from instances that died) are dropped first.
 *
 * KEYS: API keys (or the key's secret, see admitKeys), leases, usage day, usage month, reservations, reservation amounts, the
 *       session's revocation mark (signed out when it exists)
 * ARGV: 1 now, 2 request id, 3 key id ('' = no key to check), 4 lease limit (-1 = none),
 *       5 lease expiresAt, 6 reserve ('1' = the plan has budgets), 7 reservation expiresAt,
 *       8 input, 9 requestedOutput, 10 minimalOutput, 11 inputPrice, 12 outputPrice
 *       (micro-dollars per token), 13 tokensPerDay, 14 tokensPerMonth, 15 microPerDay,
 *       16 microPerMonth (-1 = no limit), 17 day, 18 month
 * Returns {1, output, day tokens used, month tokens used}
 *      or {0, 'revoked'} (the key was revoked or the session signed out)
 *      or {0, 'concurrentRequests', held, earliest lease expiry}
 *      or {0, exhausted budget name, day tokens used, month tokens used}.
 */
export const admitScript = `
if ARGV[3] ~= '' and redis.call('HEXISTS', KEYS[1], ARGV[3]) == 0 then return {0, 'revoked'} end
if redis.call('EXISTS', KEYS[7]) == 1 then return {0, 'revoked'} end

local now = tonumber(ARGV[1])
local leaseLimit = tonumber(ARGV[4])
if leaseLimit >= 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  local held = redis.call('ZCARD', KEYS[2])
  if held >= leaseLimit then
    local earliest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
    return {0, 'concurrentRequests', held, tonumber(earliest[2])}
  end
end

local output = tonumber(ARGV[9])
local dayUsed, monthUsed = {}, {}
if ARGV[6] == '1' then
  local expired = redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', now)
  for _, id in ipairs(expired) do redis.call('HDEL', KEYS[6], id) end
  if #expired > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now) end

  local day, month = ARGV[17], ARGV[18]
  local heldDayTokens, heldDayMicro, heldMonthTokens, heldMonthMicro = 0, 0, 0, 0
  for _, held in ipairs(redis.call('HVALS', KEYS[6])) do
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

  dayUsed = redis.call('HMGET', KEYS[3], 'tokens', 'micro')
  monthUsed = redis.call('HMGET', KEYS[4], 'tokens', 'micro')
  local input = tonumber(ARGV[8])
  local inputPrice = tonumber(ARGV[11])
  local outputPrice = tonumber(ARGV[12])

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

  local minimal = tonumber(ARGV[10])
  local checks = {
    {fitTokens, 'tokensPerDay', tonumber(ARGV[13]), dayUsed[1], heldDayTokens},
    {fitTokens, 'tokensPerMonth', tonumber(ARGV[14]), monthUsed[1], heldMonthTokens},
    {fitMicro, 'spendPerDayUsd', tonumber(ARGV[15]), dayUsed[2], heldDayMicro},
    {fitMicro, 'spendPerMonthUsd', tonumber(ARGV[16]), monthUsed[2], heldMonthMicro},
  }
  for _, check in ipairs(checks) do
    if check[3] >= 0 then
      check[1](check[3], check[4], check[5])
      if output < minimal then
        return {0, check[2], tonumber(dayUsed[1]) or 0, tonumber(monthUsed[1]) or 0}
      end
    end
  end

  local tokens = input + output
  local micro = math.ceil(input * inputPrice + output * outputPrice)
  redis.call('ZADD', KEYS[5], ARGV[7], ARGV[2])
  redis.call('HSET', KEYS[6], ARGV[2], tokens .. ':' .. micro .. ':' .. day .. ':' .. month)
  local ttl = tonumber(ARGV[7]) - now + 60000
  redis.call('PEXPIRE', KEYS[5], ttl)
  redis.call('PEXPIRE', KEYS[6], ttl)
end

if leaseLimit >= 0 then
  redis.call('ZADD', KEYS[2], ARGV[5], ARGV[2])
  redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[5]) - now + 1000)
end
return {1, output, tonumber(dayUsed[1]) or 0, tonumber(monthUsed[1]) or 0}
`;

/**
 * Settles a request: drops its reservation and its concurrency lease (if any) and records what it
 * really used, in the usage aggregates (which are also what budgets count), the request log and
 * the user index.
 *
 * KEYS: usage day, usage month, reservations, reservation amounts, request log, users, user
 *       plans, leases
 * ARGV: reservation id ('' for none), input, output, micro, model, counted (1 = a served
 *       request), log entry JSON, now, userId, plan, log length, retention seconds, lease id
 *       ('' for none), cached (1 = a response-cache hit), saved micro-dollars of the hit, then
 *       the request's tags (16 onwards, none or more)
 */
export const settleUsageScript = `
if ARGV[1] ~= '' then
  redis.call('ZREM', KEYS[3], ARGV[1])
  redis.call('HDEL', KEYS[4], ARGV[1])
end
if ARGV[13] ~= '' then redis.call('ZREM', KEYS[8], ARGV[13]) end
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
if ARGV[14] == '1' then
  for _, key in ipairs({KEYS[1], KEYS[2]}) do
    redis.call('HINCRBY', key, 'cached', 1)
    redis.call('HINCRBY', key, 'saved', tonumber(ARGV[15]))
  end
end
redis.call('HINCRBY', KEYS[1], model .. 'input', input)
redis.call('HINCRBY', KEYS[1], model .. 'output', output)
redis.call('HINCRBY', KEYS[1], model .. 'micro', micro)
for i = 16, #ARGV do
  local tag = 't:' .. ARGV[i] .. ':'
  if ARGV[6] == '1' then redis.call('HINCRBY', KEYS[1], tag .. 'requests', 1) end
  redis.call('HINCRBY', KEYS[1], tag .. 'input', input)
  redis.call('HINCRBY', KEYS[1], tag .. 'output', output)
  redis.call('HINCRBY', KEYS[1], tag .. 'micro', micro)
end
redis.call('LPUSH', KEYS[5], ARGV[7])
redis.call('LTRIM', KEYS[5], 0, tonumber(ARGV[11]) - 1)
redis.call('EXPIRE', KEYS[5], tonumber(ARGV[12]))
redis.call('ZADD', KEYS[6], ARGV[8], ARGV[9])
redis.call('HSET', KEYS[7], ARGV[9], ARGV[10])
return 1
`;
