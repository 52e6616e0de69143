-- flow/select: what a claim or a flow-controlled pop hands out, decided in the script by
-- the server's clock: nothing while the set is paused or held (rate_limited), no more
-- than its rate limit lets go, and for a grouped set one item per turn, round-robin
-- over the groups whose turn may come, each within its own limits.
-- Expects the lease keys (lease/common), flow/options and flow/groups.

-- How many groups whose wait is over move back into line per call, and how many turns
-- one call looks at beyond the items it hands out: bounds that keep every call short;
-- what is left is done by the next call.
local PROMOTE_PER_CALL, EXTRA_TURNS = 100, 1000

-- Up to n members with scores at most `due_by`, lowest first, removed from the set.
local function pick_set(n, due_by)
  if due_by == '+inf' then return redis.call('ZPOPMIN', set, n) end
  local picked = redis.call('ZRANGEBYSCORE', set, '-inf', due_by, 'WITHSCORES', 'LIMIT', 0, n)
  local members = {}
  for i = 1, #picked, 2 do members[#members + 1] = picked[i] end
  for i = 1, #members, 1000 do
    redis.call('ZREM', set, unpack(members, i, math.min(i + 999, #members)))
  end
  return picked
end

-- Moves the groups of `zset` scored at most `upto` back into line (ready).
local function promote(zset, upto)
  local due = redis.call('ZRANGEBYSCORE', zset, '-inf', upto, 'LIMIT', 0, PROMOTE_PER_CALL)
  for _, group in ipairs(due) do
    redis.call('ZREM', zset, group)
    redis.call('ZADD', ready, redis.call('HINCRBY', flow, 'seq', 1), group)
  end
end

-- `group`'s next item that is still in the set, with its score, and whether the group
-- has more. Index entries of items gone from the set (popped by the original,
-- discarded) are dropped on the way, and one whose score changed behind the index's back
-- is put right.
local function next_of(group, budget)
  while budget.turns > 0 do
    budget.turns = budget.turns - 1
    local first, member, more = group_head(group)
    if not first then return nil end
    local score = redis.call('ZSCORE', set, member)
    if score and first == entry(group, score, member) then return member, score, more end
    local mine = redis.call('HGET', group_of, member) == group
    redis.call('ZREM', index, first)
    if score and mine then
      redis.call('ZADD', index, 0, entry(group, score, member))
    elseif mine and not redis.call('ZSCORE', leases, member) then
      redis.call('HDEL', group_of, member)
    end
  end
  return nil
end

local function at_limit(group)
  return options.group_limit and
    (tonumber(redis.call('HGET', in_flight, group)) or 0) >= options.group_limit
end

-- Where `group` goes after a turn: back of the line, held by its rate limit, later
-- (nothing due), or nowhere (empty, or at its in-flight limit until a lease ends).
-- `more`: whether its turn left it items (true, false), or unknown (nil).
local function requeue_group(group, due_by, now, leasing, more)
  if leasing and at_limit(group) then return end
  local member = more
  if more == nil or options.group_rate or due_by ~= '+inf' then
    member = more ~= false and select(2, group_head(group))
  end
  if not member then
    local tat = tonumber(redis.call('HGET', group_rate, group))
    if tat and tat <= now then redis.call('HDEL', group_rate, group) end
    return
  end
  if options.group_rate then
    local k, from = allowance(options.group_rate, tonumber(redis.call('HGET', group_rate, group)), now)
    if k < 1 then
      redis.call('ZADD', held, from - options.group_rate.tau, group)
      return
    end
  end
  if due_by ~= '+inf' then
    local score = redis.call('ZSCORE', set, member)
    if score and tonumber(score) > tonumber(due_by) then
      redis.call('ZADD', later, score, group)
      return
    end
  end
  redis.call('ZADD', ready, redis.call('HINCRBY', flow, 'seq', 1), group)
end

-- `group`'s head, if it may go now: due, and allowed by the group's rate limit (and
-- then from when that counts).
local function turn_of(group, due_by, now, budget)
  local member, score, more = next_of(group, budget)
  if not member or (due_by ~= '+inf' and tonumber(score) > tonumber(due_by)) then
    return nil
  end
  local rate_from
  if options.group_rate then
    local k
    k, rate_from = allowance(options.group_rate, tonumber(redis.call('HGET', group_rate, group)), now)
    if k < 1 then return nil end
  end
  return member, score, rate_from, more
end

-- Round-robin over the groups in line: each turn hands out the head of one group (the
-- one waiting longest for its turn) and puts the group back as requeue_group says. A
-- group at its in-flight limit leaves the line until one of its leases ends.
-- Items at the head of the set that no group knows (added by the Python original, or
-- by a client that did not know the set is grouped) join the default group "", so no
-- item is left where a grouped claim never looks: up to ADOPT_PER_CALL per call.
local ADOPT_PER_CALL = 10
local function adopt_strays()
  local head = redis.call('ZRANGE', set, 0, ADOPT_PER_CALL - 1)
  if #head == 0 then return end
  local groups = redis.call('HMGET', group_of, unpack(head))
  for i, member in ipairs(head) do
    if not groups[i] then index_add(member, '') end
  end
end

local function pick_groups(n, due_by, now, leasing)
  adopt_strays()
  -- Only a group rate limit holds groups back.
  if options.group_rate then promote(held, now) end
  if due_by ~= '+inf' then promote(later, due_by) end
  local out, budget = {}, { turns = n + EXTRA_TURNS }
  while #out < 2 * n and budget.turns > 0 do
    budget.turns = budget.turns - 1
    local group = redis.call('ZPOPMIN', ready)[1]
    if not group then break end
    if not (leasing and at_limit(group)) then
      local member, score, rate_from, more = turn_of(group, due_by, now, budget)
      if member then
        redis.call('ZREM', index, entry(group, score, member))
        redis.call('ZREM', set, member)
        out[#out + 1], out[#out + 2] = member, score
        if rate_from then
          redis.call('HSET', group_rate, group, string.format('%.3f', rate_from + options.group_rate.t))
        end
        if leasing then
          redis.call('HINCRBY', in_flight, group, 1)
        else
          redis.call('HDEL', group_of, member)
        end
      end
      -- Whether it has more is known when its turn took an item.
      requeue_group(group, due_by, now, leasing, member and more)
    end
  end
  return out
end

-- hand_out(n, due_by, now, leasing): up to n members and their scores (a flat list),
-- removed from the set; `due_by` is the highest eligible score ("+inf": any), `now` the
-- server's time in ms (with its fraction), `leasing` whether they become leases (then
-- they count in their group's in-flight).
local function hand_out(n, due_by, now, leasing)
  -- No set holds more than 2^32 members; a greater count would not survive as a number.
  n = math.min(n, 4294967296)
  if n < 1 then return {} end
  local state = redis.call('HMGET', flow, 'paused', 'hold', 'tat')
  if state[1] then return {} end
  local hold = tonumber(state[2])
  if hold and hold > now then return {} end
  local rate_from
  if options.rate then
    local k
    k, rate_from = allowance(options.rate, tonumber(state[3]), now)
    n = math.min(n, k)
    if n < 1 then return {} end
  end
  local picked
  if options.grouped then
    picked = pick_groups(n, due_by, now, leasing)
  else
    picked = pick_set(n, due_by)
  end
  if options.rate and #picked > 0 then
    redis.call('HSET', flow, 'tat', string.format('%.3f', rate_from + (#picked / 2) * options.rate.t))
  end
  return picked
end
