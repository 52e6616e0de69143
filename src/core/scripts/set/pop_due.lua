-- pop_due: removes and returns up to ARGV[2] members of the set whose score is at most
-- ARGV[1] ("now"), lowest score first, atomically: a scheduled set's pop and take.
--
-- The original Python redset pops from a ScheduledSet with a ZRANGEBYSCORE and a
-- separate ZREM under its lock (`name .. "__lock"`), so while the lock holds an expiry
-- that has not passed (by its own rule: expiry + 0.01 >= now) nothing is taken and the
-- expiry is returned instead, as a bulk string, for the caller to wait and try again. A
-- lock that has expired, or whose value is not a number, is ignored, as the original
-- ignores it. This script never writes the lock, so it can never leave one behind.
--   KEYS[1]  set
--   KEYS[2]  original-lock  the original's lock, when honoured
--   ARGV[1]  now   ARGV[2] at most how many
--   Returns  the members, or the lock's expiry while it is held
if KEYS[2] then
  local expiry = tonumber(redis.call('GET', KEYS[2]))
  if expiry and expiry + 0.01 >= tonumber(ARGV[1]) then
    return tostring(expiry)
  end
end

local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
-- ZREM in chunks: Lua's unpack is limited by the C stack (about 8000 values).
for i = 1, #due, 1000 do
  redis.call('ZREM', KEYS[1], unpack(due, i, math.min(i + 999, #due)))
end
return due
