-- add / add_many: ZADD into the set, and wake a waiting consumer when an item may be
-- handed out sooner (the set's head changed: due sooner, or the set was empty; or, in a
-- grouped set, a group got a place in line), by writing the marker — in this same
-- script, so no wake-up is lost between the add and a consumer starting to wait; only
-- while a consumer waits on the marker, so a set nobody waits on gets no extra key.
-- With a deduplication window, a member added within the last window ms is skipped,
-- even if it was consumed meanwhile: a producer's retried add is not added twice.
-- A grouped set's items go into their group's index too (flow/groups).
--   KEYS[1]  set      the set
--   KEYS[2]  wake     the wake-up marker
--   KEYS[3]  waiting  exists while a consumer waits on the marker
--   KEYS[4]  dedup    zset: member -> until when (server clock), the window
--   KEYS[5]  counters hash: with the option "m", `added` counts the new members
--   KEYS[6]  flow   KEYS[7] group-index   KEYS[8] group-of   KEYS[9] groups-ready
--   KEYS[10] groups-held   KEYS[11] groups-later   KEYS[12] group-in-flight
--   KEYS[13] group-rate   KEYS[14] group-dead: a grouped set's (option "g"), else none
--   ARGV[1]  the set's options (flow/options): "m" counts, "g" groups
--   ARGV[2]  the deduplication window in ms (0: none)
--   ARGV[3]  the number of ZADD flags, then the flags (NX, XX, GT, LT, CH)
--   ARGV[…]  score, member pairs; a grouped set's: score, member, group triples
--   Returns  the sum of the ZADD replies (what was skipped counts nothing)
local set = KEYS[1]
local flow, index, group_of, ready, held, later, in_flight, group_rate, group_dead =
  KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10], KEYS[11], KEYS[12], KEYS[13], KEYS[14]
--- @include "flow/options"
--- @include "flow/groups"
local window = tonumber(ARGV[2])
local flags = {}
for f = 1, tonumber(ARGV[3]) do flags[f] = ARGV[f + 3] end
local first = #flags + 4
local width = options.grouped and 3 or 2

local function head()
  local top = redis.call('ZRANGE', set, 0, 0, 'WITHSCORES')
  return (top[1] or '') .. ' ' .. (top[2] or '')
end
local waiting = redis.call('EXISTS', KEYS[3]) == 1
local before = waiting and head()
-- ZADD's replies count the new members, unless CH makes them count the changed ones too:
-- then what the set grew by does.
local changed = false
for _, flag in ipairs(flags) do changed = changed or flag == 'CH' end
local size = options.counting and changed and redis.call('ZCARD', set)
local total, woke = 0, false

-- One member, with its flags; into its group's index when the set is grouped.
local function add_one(score, member, group)
  if options.grouped then index_drop(member) end
  local args = {unpack(flags)}
  args[#flags + 1], args[#flags + 2] = score, member
  total = total + redis.call('ZADD', set, unpack(args))
  if options.grouped then woke = index_add(member, group) or woke end
end

if window > 0 then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now)
  for i = first, #ARGV, width do
    local member = ARGV[i + 1]
    if not redis.call('ZSCORE', KEYS[4], member) then
      add_one(ARGV[i], member, ARGV[i + 2])
      -- Remembered only if it is in the set now (an XX add of a new member is not).
      if redis.call('ZSCORE', set, member) then
        redis.call('ZADD', KEYS[4], now + window, member)
      end
    end
  end
  if redis.call('EXISTS', KEYS[4]) == 1 then
    redis.call('PEXPIRE', KEYS[4], window)
  end
elseif options.grouped then
  for i = first, #ARGV, 3 do add_one(ARGV[i], ARGV[i + 1], ARGV[i + 2]) end
else
  -- 500 pairs per ZADD: Lua's unpack is limited by the C stack (about 8000 values).
  for i = first, #ARGV, 1000 do
    local args = {unpack(flags)}
    for j = i, math.min(i + 999, #ARGV) do args[#args + 1] = ARGV[j] end
    total = total + redis.call('ZADD', set, unpack(args))
  end
end

if options.counting then
  local added = size and redis.call('ZCARD', set) - size or total
  if added > 0 then redis.call('HINCRBY', KEYS[5], 'added', added) end
end
if waiting and (woke or head() ~= before) then
  redis.call('ZADD', KEYS[2], 0, 'w')
  redis.call('PEXPIRE', KEYS[2], 60000)
end
return total
