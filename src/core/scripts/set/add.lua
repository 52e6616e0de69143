-- add / add_many: ZADD into the set, and wake a waiting consumer when the set's head
-- changed (an item now comes first: due sooner, or the set was empty), by writing the
-- marker — in this same script, so no wake-up is lost between the add and a consumer
-- starting to wait; only while a consumer waits on the marker, so a set nobody waits on
-- gets no extra key. With a deduplication window, a member added within the last window
-- ms is skipped, even if it was consumed meanwhile: a producer's retried add is not
-- added twice.
--   KEYS[1]  set      the set
--   KEYS[2]  wake     the wake-up marker
--   KEYS[3]  waiting  exists while a consumer waits on the marker
--   KEYS[4]  dedup    zset: member -> until when (server clock), the window
--   KEYS[5]  counters hash: with the option "m", `added` counts the new members
--   ARGV[1]  the set's options (see lease/common): "m" counts
--   ARGV[2]  the deduplication window in ms (0: none)
--   ARGV[3]  the number of ZADD flags, then the flags (NX, XX, GT, LT, CH)
--   ARGV[…]  score, member pairs
--   Returns  the sum of the ZADD replies (what was skipped counts nothing)
local counting = string.find(ARGV[1], 'm', 1, true) ~= nil
local window = tonumber(ARGV[2])
local flags = {}
for f = 1, tonumber(ARGV[3]) do flags[f] = ARGV[f + 3] end
local first = #flags + 4

local function head()
  local top = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return (top[1] or '') .. ' ' .. (top[2] or '')
end
local waiting = redis.call('EXISTS', KEYS[3]) == 1
local before = waiting and head()
local size = counting and redis.call('ZCARD', KEYS[1])
local total = 0

if window > 0 then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now)
  local args = {unpack(flags)}
  for i = first, #ARGV, 2 do
    local member = ARGV[i + 1]
    if not redis.call('ZSCORE', KEYS[4], member) then
      args[#flags + 1], args[#flags + 2] = ARGV[i], member
      total = total + redis.call('ZADD', KEYS[1], unpack(args))
      -- Remembered only if it is in the set now (an XX add of a new member is not).
      if redis.call('ZSCORE', KEYS[1], member) then
        redis.call('ZADD', KEYS[4], now + window, member)
      end
    end
  end
  if redis.call('EXISTS', KEYS[4]) == 1 then
    redis.call('PEXPIRE', KEYS[4], window)
  end
else
  -- 500 pairs per ZADD: Lua's unpack is limited by the C stack (about 8000 values).
  for i = first, #ARGV, 1000 do
    local args = {unpack(flags)}
    for j = i, math.min(i + 999, #ARGV) do args[#args + 1] = ARGV[j] end
    total = total + redis.call('ZADD', KEYS[1], unpack(args))
  end
end

if counting then
  local added = redis.call('ZCARD', KEYS[1]) - size
  if added > 0 then redis.call('HINCRBY', KEYS[5], 'added', added) end
end
if waiting and head() ~= before then
  redis.call('ZADD', KEYS[2], 0, 'w')
  redis.call('PEXPIRE', KEYS[2], 60000)
end
return total
