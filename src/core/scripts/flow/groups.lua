-- flow/groups: a grouped set's bookkeeping. Its items stay in the set (the original's
-- key, which the Python redset and len() read); the group index holds one entry per
-- waiting item, `prefix(group) .. sortable(score) .. member`, so ZRANGEBYLEX gives a
-- group's head in O(log n). A group with waiting items has one place in line: ready
-- (scored by round-robin position), held (by when its rate limit lets it go), later (a
-- scheduled set's group with nothing due yet, by its head's score) — or none while it
-- is at its in-flight limit (a lease ending gives it a place again).
-- Expects the locals set, flow, index, group_of, ready, held, later, in_flight,
-- group_rate, group_dead (the FLOW_KEYS) and options (flow/options).

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

-- `group`'s first entry and the member in it, or nil; and whether another follows.
local function group_head(group)
  local low, high, length = bounds(group)
  local firsts = redis.call('ZRANGEBYLEX', index, low, high, 'LIMIT', 0, 2)
  if not firsts[1] then return nil end
  return firsts[1], string.sub(firsts[1], length + 9), firsts[2] ~= nil
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
-- in-flight limit; `score` (its new item's) may bring a later group's time forward.
-- True when an item may be handed out sooner: waiting consumers should look again.
local function ready_up(group, score)
  if redis.call('ZSCORE', ready, group) or redis.call('ZSCORE', held, group) then
    return false
  end
  local at = redis.call('ZSCORE', later, group)
  if at then
    if score and tonumber(score) < tonumber(at) then
      redis.call('ZADD', later, score, group)
      return true
    end
    return false
  end
  if options.group_limit and
      (tonumber(redis.call('HGET', in_flight, group)) or 0) >= options.group_limit then
    return false
  end
  redis.call('ZADD', ready, redis.call('HINCRBY', flow, 'seq', 1), group)
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

-- Leases of these members ended: one less in flight for each one's group, which may take
-- its turn again if it has waiting items. `done` members (acked, not back in the set)
-- leave their group. True when a group got a place in line.
local function settle_groups(members, done)
  local touched, woke = {}, false
  for from = 1, #members, 1000 do
    local groups = redis.call('HMGET', group_of, unpack(members, from, math.min(from + 999, #members)))
    for j, group in ipairs(groups) do
      local i = from + j - 1
      if group then
        if redis.call('HINCRBY', in_flight, group, -1) <= 0 then
          redis.call('HDEL', in_flight, group)
        end
        if done and not redis.call('ZSCORE', set, members[i]) then
          redis.call('HDEL', group_of, members[i])
        end
        touched[group] = true
      end
    end
  end
  for group in pairs(touched) do
    -- Most groups keep their place in line; only one that left it (at its in-flight
    -- limit) and has waiting items takes a new one.
    local placed = redis.call('ZSCORE', ready, group) or redis.call('ZSCORE', held, group)
      or redis.call('ZSCORE', later, group)
    if not placed and group_head(group) then woke = ready_up(group) or woke end
  end
  return woke
end
