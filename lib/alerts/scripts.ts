/**
 * Fires a ledger's crossed thresholds, each once per period, in one atomic step: for every
 * candidate whose usage reached `threshold %` of its limit, `SET NX` of its fired marker; the
 * one settlement that wins writes the alert, its delivery and its outbox entry in the same
 * step, so a crash can neither lose an alert nor fire it twice.
 *
 * KEYS: 1 day usage hash, 2 month usage hash, 3 recent index, 4 scope index, 5 outbox; then
 *   per candidate: fired marker, alert, delivery.
 * ARGV: 1 now, 2 retention ms, 3 recent cap, 4 scope cap; then per candidate: hash ('day' or
 *   'month'), field, limit value, threshold, fired ttl ms, alert id, the alert's JSON without
 *   `used` and its closing brace, the delivery's JSON.
 * Returns the ids fired, and whether any delivery is due.
 */
export const fireAlertsScript = `
local now = tonumber(ARGV[1])
local retention = tonumber(ARGV[2])
local usage = {}
local fired = {}
local count = (#ARGV - 4) / 8
for index = 0, count - 1 do
  local arg = 4 + index * 8
  local key = 5 + index * 3
  local hash = ARGV[arg + 1] == 'day' and KEYS[1] or KEYS[2]
  local slot = ARGV[arg + 1] .. ARGV[arg + 2]
  if usage[slot] == nil then
    usage[slot] = redis.call('HGET', hash, ARGV[arg + 2]) or '0'
  end
  local used = usage[slot]
  if tonumber(used) * 100 >= tonumber(ARGV[arg + 4]) * tonumber(ARGV[arg + 3]) then
    local id = ARGV[arg + 6]
    if redis.call('SET', KEYS[key + 1], id, 'NX', 'PX', ARGV[arg + 5]) then
      redis.call('SET', KEYS[key + 2], ARGV[arg + 7] .. ',"used":' .. used .. '}', 'PX', retention)
      redis.call('SET', KEYS[key + 3], ARGV[arg + 8], 'PX', retention)
      redis.call('ZADD', KEYS[3], now, id)
      redis.call('ZADD', KEYS[4], now, id)
      redis.call('ZADD', KEYS[5], now, id)
      fired[#fired + 1] = id
    end
  end
end
if #fired > 0 then
  for _, index in ipairs({ 3, 4 }) do
    local cap = tonumber(ARGV[index])
    redis.call('ZREMRANGEBYRANK', KEYS[index], 0, -cap - 1)
    redis.call('ZREMRANGEBYSCORE', KEYS[index], '-inf', now - retention)
  end
  redis.call('PEXPIRE', KEYS[3], retention)
  redis.call('PEXPIRE', KEYS[4], retention)
end
local due = redis.call('ZCOUNT', KEYS[5], '-inf', now)
return { fired, due }
`;

/**
 * Claims the deliveries due now for one deliverer: each one's next time moves a lease ahead,
 * so another instance sweeping at the same moment does not send it too.
 *
 * KEYS: 1 outbox. ARGV: 1 now, 2 lease ms, 3 how many at most. Returns the ids claimed.
 */
export const claimDueScript = `
local now = tonumber(ARGV[1])
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(ids) do
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), id)
end
return ids
`;
