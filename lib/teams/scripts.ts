// Lua, so that each change to a team and its memberships is one atomic step: a member is never
// added to a team that is being deleted, and a rename never resurrects a deleted team.

/**
 * The team a caller belongs to, in one round trip: the key's team when it names one, else the
 * user's membership.
 * KEYS: teams, members. ARGV: 1 team id ('' = look the user up), 2 user id.
 * Returns the team's record (JSON) or nil.
 */
export const findTeamScript = `
local id = ARGV[1]
if id == '' then
  id = redis.call('HGET', KEYS[2], ARGV[2])
  if not id then return false end
end
return redis.call('HGET', KEYS[1], id)
`;

/**
 * Renames a team or changes its plan, if it exists.
 * KEYS: teams. ARGV: 1 team id, 2 name ('' = unchanged), 3 plan ('' = unchanged).
 * Returns the updated record (JSON) or nil.
 */
export const updateTeamScript = `
local stored = redis.call('HGET', KEYS[1], ARGV[1])
if not stored then return false end
local team = cjson.decode(stored)
if ARGV[2] ~= '' then team.name = ARGV[2] end
if ARGV[3] ~= '' then team.plan = ARGV[3] end
local updated = cjson.encode(team)
redis.call('HSET', KEYS[1], ARGV[1], updated)
return updated
`;

/**
 * Deletes a team and every membership in it.
 * KEYS: teams, members. ARGV: 1 team id.
 * Returns {record (JSON), member ids...} or nil when there is no such team.
 */
export const deleteTeamScript = `
local stored = redis.call('HGET', KEYS[1], ARGV[1])
if not stored then return false end
local members = {}
local all = redis.call('HGETALL', KEYS[2])
for index = 1, #all, 2 do
  if all[index + 1] == ARGV[1] then members[#members + 1] = all[index] end
end
-- unpack is bounded by Lua's stack: delete in batches.
for start = 1, #members, 500 do
  redis.call('HDEL', KEYS[2], unpack(members, start, math.min(start + 499, #members)))
end
redis.call('HDEL', KEYS[1], ARGV[1])
local reply = {stored}
for _, member in ipairs(members) do reply[#reply + 1] = member end
return reply
`;

/**
 * Puts a user in a team, moving them out of the one they were in.
 * KEYS: teams, members. ARGV: 1 team id, 2 user id.
 * Returns -1 when there is no such team, else {1, the previous team id or ''}.
 */
export const setMemberScript = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return -1 end
local previous = redis.call('HGET', KEYS[2], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
return {1, previous or ''}
`;

/**
 * Takes a user out of a team.
 * KEYS: teams, members. ARGV: 1 team id, 2 user id.
 * Returns -1 when there is no such team, 0 when the user is not in it, 1 when removed.
 */
export const removeMemberScript = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return -1 end
if redis.call('HGET', KEYS[2], ARGV[2]) ~= ARGV[1] then return 0 end
redis.call('HDEL', KEYS[2], ARGV[2])
return 1
`;
