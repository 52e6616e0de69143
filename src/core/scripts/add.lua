-- add / add_many: ZADD into the set KEYS[1], in chunks, and wake a waiting consumer
-- when the set's head changed (an item now comes first: due sooner, or the set was
-- empty), by writing the marker in KEYS[2] — in this same script, so no wake-up is
-- lost between the add and a consumer starting to wait. Only while KEYS[3] says that
-- a consumer waits on the marker: a set nobody waits on gets no extra key.
-- ARGV: the number of ZADD flags, the flags (NX, XX, GT, LT, CH), then score, member
-- pairs. Returns the sum of the ZADD replies.
local flags = tonumber(ARGV[1])
local function head()
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return (first[1] or '') .. ' ' .. (first[2] or '')
end
local waiting = redis.call('EXISTS', KEYS[3]) == 1
local before = waiting and head()
local total = 0
-- 500 pairs per ZADD: Lua's unpack is limited by the C stack (about 8000 values).
for i = flags + 2, #ARGV, 1000 do
  local args = {}
  for f = 1, flags do args[f] = ARGV[f + 1] end
  for j = i, math.min(i + 999, #ARGV) do args[#args + 1] = ARGV[j] end
  total = total + redis.call('ZADD', KEYS[1], unpack(args))
end
if waiting and head() ~= before then
  redis.call('ZADD', KEYS[2], 0, 'w')
  redis.call('PEXPIRE', KEYS[2], 60000)
end
return total
