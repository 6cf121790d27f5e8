// Lua, so that each check-and-write is one atomic step in Redis: a budget is never checked by
// one request and spent by another in between, and a whole admission costs one command.

/**
 * Admits one chat request against every scope it counts against (the user's plan, the team's
 * plan, the key's own limits, the guests' shared buckets), all or nothing: checks that the API
 * key it came with still exists, takes a concurrency lease in every scope that has a limit of
 * requests in flight, and reserves `input + output` tokens and their cost against every scope's
 * day and month budgets, clamping the output to what the hard budgets leave. Nothing is written
 * unless every scope admits, so a request refused anywhere holds nothing anywhere. A soft limit
 * never refuses and never clamps: it names itself in the warnings exactly when its hard version
 * would have refused. Expired leases and reservations (from instances that died) are dropped first.
 *
 * KEYS: 1 API keys (or the key's secret, see admitKeys), 2 the session's revocation mark (signed out when it exists), then per scope
 *       5: leases, usage day, usage month, reservations, reservation amounts
 * ARGV: 1 now, 2 request id, 3 key id ('' = no key to check), 4 lease expiresAt,
 *       5 reservation expiresAt, 6 input, 7 requestedOutput, 8 minimalOutput, 9 inputPrice,
 *       10 outputPrice (micro-dollars per token), 11 day, 12 month, 13 scope count, then per
 *       scope: the count of its limits, then per limit 6: name, kind (concurrency|budget), usage
 *       field (tokens|micro|''), period (day|month|''), amount (in the field's unit), soft (1|0)
 * Returns (JSON-encoded, see admission.ts) {1, output, warnings (comma-separated names), scope..':'..budget name, used, ...}
 *      or {0, 0, 'revoked'} (the key was revoked or the session signed out)
 *      or {0, scope, 'concurrentRequests' (or another concurrency name), held, earliest expiry}
 *      or {0, scope, exhausted budget name, 0, 0, the budget readings so far as above}.
 */
export const admitScript = `
if ARGV[3] ~= '' and redis.call('HEXISTS', KEYS[1], ARGV[3]) == 0 then return cjson.encode({0, 0, 'revoked'}) end
if redis.call('EXISTS', KEYS[2]) == 1 then return cjson.encode({0, 0, 'revoked'}) end

local now = tonumber(ARGV[1])
local input, output, minimal = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local inputPrice, outputPrice = tonumber(ARGV[9]), tonumber(ARGV[10])
local day, month = ARGV[11], ARGV[12]

local scopes = {}
local at = 14
for s = 1, tonumber(ARGV[13]) do
  local base = 2 + (s - 1) * 5
  local scope = {leases = KEYS[base + 1], day = KEYS[base + 2], month = KEYS[base + 3],
    reservations = KEYS[base + 4], amounts = KEYS[base + 5], limits = {}}
  for _ = 1, tonumber(ARGV[at]) do
    table.insert(scope.limits, {name = ARGV[at + 1], kind = ARGV[at + 2], field = ARGV[at + 3],
      period = ARGV[at + 4], amount = tonumber(ARGV[at + 5]), soft = ARGV[at + 6] == '1'})
    at = at + 6
  end
  at = at + 1
  scopes[s] = scope
end

local warnings = {}
for s, scope in ipairs(scopes) do
  for _, limit in ipairs(scope.limits) do
    if limit.kind == 'concurrency' then
      scope.lease = true
      redis.call('ZREMRANGEBYSCORE', scope.leases, '-inf', now)
      local held = redis.call('ZCARD', scope.leases)
      if held >= limit.amount then
        if not limit.soft then
          local earliest = redis.call('ZRANGE', scope.leases, 0, 0, 'WITHSCORES')
          return cjson.encode({0, s, limit.name, held, tonumber(earliest[2])})
        end
        table.insert(warnings, limit.name)
      end
    elseif limit.kind == 'budget' then
      scope.reserve = true
    end
  end
end

local used = {}
for s, scope in ipairs(scopes) do
  if scope.reserve then
    local expired = redis.call('ZRANGEBYSCORE', scope.reservations, '-inf', now)
    for _, id in ipairs(expired) do redis.call('HDEL', scope.amounts, id) end
    if #expired > 0 then redis.call('ZREMRANGEBYSCORE', scope.reservations, '-inf', now) end

    local held = {['tokens:day'] = 0, ['micro:day'] = 0, ['tokens:month'] = 0, ['micro:month'] = 0}
    for _, amounts in ipairs(redis.call('HVALS', scope.amounts)) do
      local tokens, micro, heldDay, heldMonth = string.match(amounts, '^(%d+):(%d+):([^:]+):([^:]+)$')
      if heldDay == day then
        held['tokens:day'] = held['tokens:day'] + tonumber(tokens)
        held['micro:day'] = held['micro:day'] + tonumber(micro)
      end
      if heldMonth == month then
        held['tokens:month'] = held['tokens:month'] + tonumber(tokens)
        held['micro:month'] = held['micro:month'] + tonumber(micro)
      end
    end
    local usage = {day = redis.call('HMGET', scope.day, 'tokens', 'micro'),
      month = redis.call('HMGET', scope.month, 'tokens', 'micro')}

    for _, limit in ipairs(scope.limits) do
      if limit.kind == 'budget' then
        local spent = tonumber(usage[limit.period][limit.field == 'tokens' and 1 or 2]) or 0
        table.insert(used, s .. ':' .. limit.name)
        -- As a string: cjson writes numbers with 14 significant digits.
        table.insert(used, string.format('%d', spent))
        local room = limit.amount - spent - held[limit.field .. ':' .. limit.period]
        local fits
        if limit.field == 'tokens' then
          fits = room - input
        else
          room = room - input * inputPrice
          if outputPrice > 0 then fits = math.floor(room / outputPrice)
          elseif room < 0 then fits = -1
          else fits = output end
        end
        if limit.soft then
          if fits < minimal then table.insert(warnings, limit.name) end
        else
          if fits < output then output = fits end
          if output < minimal then
            local refusal = {0, s, limit.name, 0, 0}
            for _, value in ipairs(used) do table.insert(refusal, value) end
            return cjson.encode(refusal)
          end
        end
      end
    end
  end
end

local tokens = input + output
local micro = math.ceil(input * inputPrice + output * outputPrice)
for _, scope in ipairs(scopes) do
  if scope.reserve then
    redis.call('ZADD', scope.reservations, ARGV[5], ARGV[2])
    redis.call('HSET', scope.amounts, ARGV[2], tokens .. ':' .. micro .. ':' .. day .. ':' .. month)
    local ttl = tonumber(ARGV[5]) - now + 60000
    redis.call('PEXPIRE', scope.reservations, ttl)
    redis.call('PEXPIRE', scope.amounts, ttl)
  end
  if scope.lease then
    redis.call('ZADD', scope.leases, ARGV[4], ARGV[2])
    redis.call('PEXPIRE', scope.leases, tonumber(ARGV[4]) - now + 1000)
  end
end
local reply = {1, output, table.concat(warnings, ',')}
for _, value in ipairs(used) do table.insert(reply, value) end
return cjson.encode(reply)
`;

/**
 * Settles a request in every ledger it counted against (the user, the team, the key, the guests'
 * buckets and the deployment `*`), in one step: drops its reservations and concurrency leases and
 * records what it really used in the usage aggregates (which are also what budgets count), with
 * the breakdowns by model and tag (and on `*` by user and team), the request logs and the user
 * index.
 *
 * KEYS: 1 users, 2 user plans, then per ledger 6: usage day, usage month, reservations,
 *       reservation amounts, leases, request log
 * ARGV: 1 request id, 2 input, 3 output, 4 micro, 5 model, 6 counted (1 = a served request),
 *       7 log entry JSON, 8 now, 9 userId ('' = index no user), 10 plan, 11 log length,
 *       12 retention seconds, 13 cached (1 = a cache hit), 14 saved micro, 15 tag count, then
 *       the tags, then the ledger count, then per ledger: release reservation (1|0), release
 *       lease (1|0), log (1|0), the count of its extra breakdowns, then those (`u:<id>`, ...)
 */
export const settleUsageScript = `
local id = ARGV[1]
local input, output, micro = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local counted, cached, saved = ARGV[6] == '1', ARGV[13] == '1', tonumber(ARGV[14])
local retention = tonumber(ARGV[12])
local shared = {'m:' .. ARGV[5]}
local at = 16
for _ = 1, tonumber(ARGV[15]) do
  table.insert(shared, 't:' .. ARGV[at])
  at = at + 1
end
local ledgers = tonumber(ARGV[at])
at = at + 1
for l = 1, ledgers do
  local base = 2 + (l - 1) * 6
  local dayKey, monthKey = KEYS[base + 1], KEYS[base + 2]
  if ARGV[at] == '1' then
    redis.call('ZREM', KEYS[base + 3], id)
    redis.call('HDEL', KEYS[base + 4], id)
  end
  if ARGV[at + 1] == '1' then redis.call('ZREM', KEYS[base + 5], id) end
  local logged = ARGV[at + 2] == '1'
  local breakdowns = {}
  for _, name in ipairs(shared) do table.insert(breakdowns, name) end
  local extras = tonumber(ARGV[at + 3])
  for e = 1, extras do table.insert(breakdowns, ARGV[at + 3 + e]) end
  at = at + 4 + extras

  for _, key in ipairs({dayKey, monthKey}) do
    if counted then redis.call('HINCRBY', key, 'requests', 1) end
    if cached then
      redis.call('HINCRBY', key, 'cached', 1)
      redis.call('HINCRBY', key, 'saved', saved)
    end
    redis.call('HINCRBY', key, 'input', input)
    redis.call('HINCRBY', key, 'output', output)
    redis.call('HINCRBY', key, 'tokens', input + output)
    redis.call('HINCRBY', key, 'micro', micro)
    redis.call('EXPIRE', key, retention)
  end
  for _, name in ipairs(breakdowns) do
    local prefix = name .. ':'
    if counted then redis.call('HINCRBY', dayKey, prefix .. 'requests', 1) end
    redis.call('HINCRBY', dayKey, prefix .. 'input', input)
    redis.call('HINCRBY', dayKey, prefix .. 'output', output)
    redis.call('HINCRBY', dayKey, prefix .. 'micro', micro)
  end
  if logged then
    local log = KEYS[base + 6]
    redis.call('LPUSH', log, ARGV[7])
    redis.call('LTRIM', log, 0, tonumber(ARGV[11]) - 1)
    redis.call('EXPIRE', log, retention)
  end
end
if ARGV[9] ~= '' then
  redis.call('ZADD', KEYS[1], ARGV[8], ARGV[9])
  redis.call('HSET', KEYS[2], ARGV[9], ARGV[10])
end
return 1
`;
