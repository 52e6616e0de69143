-- flow/groups: a grouped set's bookkeeping. Its items stay in the set (the original's
-- key, which the Python redset and len() read); the group index holds one entry per
-- waiting item, `prefix(group) .. sortable(score) .. member`, so ZRANGEBYLEX gives a
-- group's head in O(log n). A group with waiting items has one place: in line (ready,
-- a list: a turn moves the group at its front to the back, one LMOVE), held (by when
-- its rate limit lets it go), later (a scheduled set's group with nothing due yet, by
-- its head's score) — or none while it is at its in-flight limit ("parked": a lease
-- ending gives it a place again).
-- A group's in-flight count and whether it has a place are one number in in_flight,
-- `count + PLACED` (in line, held or later) or `count + PARKED`, so that the one
-- HINCRBY that counts a lease also moves the group and says where it was: no lookup of
-- the line on a claim or an ack.
-- Expects the locals set, flow, index, group_of, ready, held, later, in_flight,
-- group_rate, group_dead (the FLOW_KEYS) and options (flow/options).

local PLACED, PARKED = 4294967296, 8589934592 -- 2^32, 2^33: above any count

-- The in-flight count of a group's number, and whether it is placed or parked.
local function group_state(number)
  local n = tonumber(number) or 0
  return n % PLACED, n >= PLACED and n < PARKED, n >= PARKED
end

-- Adds `delta` to `group`'s number, its count kept from going below zero (a lease
-- that no claim counted), and forgets a group with nothing left to say. Returns the
-- new number.
local function add_state(group, delta)
  local n = redis.call('HINCRBY', in_flight, group, delta)
  if n % PLACED == PLACED - 1 then n = redis.call('HINCRBY', in_flight, group, 1) end
  if n == 0 then redis.call('HDEL', in_flight, group) end
  return n
end

-- The prefix of every index entry of `group`: its length in two bytes, then itself, so
-- that no group's prefix begins another's.
local function prefix(group)
  local n = #group
  return string.char(math.floor(n / 256), n % 256) .. group
end

-- A score as 8 bytes that sort as the numbers do: the IEEE 754 double, big-endian, with
-- the sign bit flipped (positive numbers) or every bit flipped (negative ones).
local function sortable(score)
  local n = tonumber(score)
  if n == 0 then n = 0 end -- -0 sorts as 0, as in the set
  local bytes = struct.pack('>d', n)
  local first = string.byte(bytes, 1)
  if first < 128 then return string.char(first + 128) .. string.sub(bytes, 2) end
  return (string.gsub(bytes, '.', function(c) return string.char(255 - string.byte(c)) end))
end

local function entry(group, score, member)
  return prefix(group) .. sortable(score) .. member
end

-- The ZRANGEBYLEX bounds of `group`'s entries: every sortable score is below \255\255.
local function bounds(group)
  local p = prefix(group)
  return '[' .. p, '(' .. p .. '\255\255', #p
end

-- `group`'s first entry and the member in it, or nil; whether another follows; and the
-- length of the group's prefix.
local function group_head(group)
  local low, high, length = bounds(group)
  local firsts = redis.call('ZRANGEBYLEX', index, low, high, 'LIMIT', 0, 2)
  if not firsts[1] then return nil end
  return firsts[1], string.sub(firsts[1], length + 9), firsts[2] ~= nil, length
end

local function group_waiting(group)
  local low, high = bounds(group)
  return redis.call('ZLEXCOUNT', index, low, high)
end

-- Before `member`'s score or group changes: its index entry out. Its group, if any.
local function index_drop(member)
  local group = redis.call('HGET', group_of, member)
  local score = group and redis.call('ZSCORE', set, member)
  if score then redis.call('ZREM', index, entry(group, score, member)) end
  return group
end

-- `group` has waiting items: give it a place in line, unless it has one or is at its
-- in-flight limit (then it is parked); `score` (its new item's) may bring a later
-- group's time forward. True when an item may be handed out sooner: waiting consumers
-- should look again.
local function ready_up(group, score)
  local count, placed, parked = group_state(redis.call('HGET', in_flight, group))
  if placed then
    local at = score and redis.call('ZSCORE', later, group)
    if at and tonumber(score) < tonumber(at) then
      redis.call('ZADD', later, score, group)
      return true
    end
    return false
  end
  if parked then return false end
  if options.group_limit and count >= options.group_limit then
    redis.call('HINCRBY', in_flight, group, PARKED)
    return false
  end
  redis.call('RPUSH', ready, group)
  redis.call('HINCRBY', in_flight, group, PLACED)
  return true
end

-- `member`, in the set now, into `group`'s index (and line). True as ready_up.
local function index_add(member, group)
  local score = redis.call('ZSCORE', set, member)
  if not score then return false end
  redis.call('ZADD', index, 0, entry(group, score, member))
  redis.call('HSET', group_of, member, group)
  return ready_up(group, score)
end

-- Leases of items of these groups ended (a group once per lease): one less in flight
-- for each; a parked group takes its place in line again (its turn drops it if nothing
-- waits by then). True when a group got a place in line.
local function settle_groups(groups)
  local woke = false
  for _, group in ipairs(groups) do
    local count, _, parked = group_state(add_state(group, -1))
    if parked and not (options.group_limit and count >= options.group_limit) then
      redis.call('RPUSH', ready, group)
      redis.call('HINCRBY', in_flight, group, PLACED - PARKED)
      woke = true
    end
  end
  return woke
end
