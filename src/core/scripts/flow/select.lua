-- flow/select: what a claim or a flow-controlled pop hands out, decided in the script by
-- the server's clock: nothing while the set is paused or held (rate_limited), no more
-- than its rate limit lets go, and for a grouped set one item per turn, round-robin
-- over the groups in line, each within its own limits.
-- Expects the lease keys (lease/common), flow/options and flow/groups.

-- How many groups whose wait is over move back into line per call, and how many turns
-- one call looks at beyond the items it hands out: bounds that keep every call short;
-- what is left is done by the next call.
local PROMOTE_PER_CALL, EXTRA_TURNS = 100, 1000
local turns_left -- this call's budget of turns (pick_groups)

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

-- Moves the groups of `zset` scored at most `upto` back into line (they keep PLACED).
local function promote(zset, upto)
  local due = redis.call('ZRANGEBYSCORE', zset, '-inf', upto, 'LIMIT', 0, PROMOTE_PER_CALL)
  for _, group in ipairs(due) do
    redis.call('ZREM', zset, group)
    redis.call('RPUSH', ready, group)
  end
end

-- `group`'s next item that is still in the set: its index entry, member and score, and
-- whether the group has more; nil when the group has none, false when this call's
-- budget ran out before it was found. Index entries of items gone from the set (popped
-- by the original, discarded) are dropped on the way, and one whose score changed
-- behind the index's back is put right.
local function next_of(group)
  while turns_left > 0 do
    turns_left = turns_left - 1
    local first, member, more, length = group_head(group)
    if not first then return nil end
    local score = redis.call('ZSCORE', set, member)
    -- The prefix matched the lookup's bounds: the entry is right if its score is.
    if score and string.sub(first, length + 1, length + 8) == sortable(score) then
      return first, member, score, more
    end
    local mine = redis.call('HGET', group_of, member) == group
    redis.call('ZREM', index, first)
    if score and mine then
      redis.call('ZADD', index, 0, entry(group, score, member))
    elseif mine and not redis.call('ZSCORE', dead, member) then
      redis.call('HDEL', group_of, member)
    end
  end
  return false
end

-- Whether `group`'s rate limit lets its next item go at `now`, and from when that
-- counts; when it does not, the group is held until it does.
local function group_rate_allows(group, now)
  local k, from = allowance(options.group_rate, tonumber(redis.call('HGET', group_rate, group)), now)
  if k >= 1 then return true, from end
  redis.call('ZADD', held, from - options.group_rate.tau, group)
  return false
end

-- Where a group that just had its turn (so it is at the back of the line) goes, given
-- its next item `member` (nil: none): the change to its number if it leaves the line
-- (it stays PLACED while held or later), nil if it stays.
local function out_of_line(group, member, due_by, now)
  if not member then
    if options.group_rate then
      local tat = tonumber(redis.call('HGET', group_rate, group))
      if tat and tat <= now then redis.call('HDEL', group_rate, group) end
    end
    return -PLACED
  end
  if options.group_rate and not group_rate_allows(group, now) then return 0 end
  if due_by ~= '+inf' then
    local score = redis.call('ZSCORE', set, member)
    if score and tonumber(score) > tonumber(due_by) then
      redis.call('ZADD', later, score, group)
      return 0
    end
  end
  return nil
end

-- Items at the head of the set that no group knows (added by the Python original, or
-- by a client that did not know the set is grouped) join the default group "", so no
-- item is left where a grouped claim never looks: up to ADOPT_PER_CALL at once, looked
-- for when the turns find too little and on about one call in ADOPT_EVERY (those whose
-- server time's microseconds are a multiple of it: no counter to keep).
local ADOPT_PER_CALL, ADOPT_EVERY = 10, 16
local function adopt_strays()
  local head = redis.call('ZRANGE', set, 0, ADOPT_PER_CALL - 1)
  if #head == 0 then return end
  local groups = redis.call('HMGET', group_of, unpack(head))
  for i, member in ipairs(head) do
    if not groups[i] then index_add(member, '') end
  end
end

-- Turns until `out` holds n items: each takes the group at the front of the line to
-- the back and hands out its head, if it may go now; a group with nothing left, or
-- whose next item may not go yet, leaves the line, and so does a group at its
-- in-flight limit, until one of its leases ends.
local function take_turns(out, groups, n, due_by, now, leasing)
  local limit = leasing and options.group_limit
  while #out < 2 * n and turns_left > 0 do
    turns_left = turns_left - 1
    local group = redis.call('LMOVE', ready, ready, 'LEFT', 'RIGHT')
    if not group then return end
    -- With a limit the turn counts its lease first, and that HINCRBY says whether the
    -- group may have one: `counted` is what the turn should add to its count in the
    -- end, `leaving` the change to its number if it leaves the line (else nil).
    local count = limit and group_state(add_state(group, 1))
    local counted, leaving = limit and 1 or 0, nil
    if count and count > limit then
      -- Put in line by a client that does not know the limit: no lease, and it waits.
      counted, leaving = 0, PARKED - PLACED
    else
      local first, member, score, more = next_of(group)
      local allowed, rate_from = first ~= nil and first ~= false, nil
      if first == false then
        -- Out of budget among stale entries: it keeps its place, the next call goes on.
        allowed = false
      elseif not first then
        leaving = out_of_line(group, nil, due_by, now)
      elseif due_by ~= '+inf' and tonumber(score) > tonumber(due_by) then
        redis.call('ZADD', later, score, group)
        allowed, leaving = false, 0
      elseif options.group_rate then
        allowed, rate_from = group_rate_allows(group, now)
        if not allowed then leaving = 0 end
      end
      if allowed then
        redis.call('ZREM', index, first)
        redis.call('ZREM', set, member)
        out[#out + 1], out[#out + 2] = member, score
        groups[#groups + 1] = group
        if rate_from then
          redis.call('HSET', group_rate, group, string.format('%.3f', rate_from + options.group_rate.t))
        end
        counted = leasing and 1 or 0
        if more and (options.group_rate or due_by ~= '+inf') then
          more = select(2, group_head(group))
        end
        leaving = out_of_line(group, more or nil, due_by, now)
        if not leaving and limit and count >= limit then leaving = PARKED - PLACED end
      else
        counted = 0
      end
    end
    if leaving then redis.call('LREM', ready, -1, group) end
    local delta = (leaving or 0) + counted - (limit and 1 or 0)
    if delta ~= 0 then add_state(group, delta) end
  end
end

local function pick_groups(n, due_by, now, leasing)
  -- Only a group rate limit holds groups back.
  if options.group_rate then promote(held, now) end
  if due_by ~= '+inf' then promote(later, due_by) end
  local out, groups = {}, {}
  turns_left = n + EXTRA_TURNS
  take_turns(out, groups, n, due_by, now, leasing)
  if #out < 2 * n or math.floor(now * 1000) % ADOPT_EVERY == 0 then
    adopt_strays()
    take_turns(out, groups, n, due_by, now, leasing)
  end
  -- They leave their groups: a lease carries its group in its record.
  for i = 1, #out, 2000 do
    local members = {}
    for j = i, math.min(i + 1999, #out), 2 do members[#members + 1] = out[j] end
    redis.call('HDEL', group_of, unpack(members))
  end
  return out, groups
end

-- hand_out(n, due_by, now, leasing): up to n members and their scores (a flat list),
-- removed from the set, and a grouped set's their groups (a list, in the same order);
-- `due_by` is the highest eligible score ("+inf": any), `now` the server's time in ms
-- (with its fraction), `leasing` whether they become leases (then they count in their
-- group's in-flight).
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
  local picked, groups
  if options.grouped then
    picked, groups = pick_groups(n, due_by, now, leasing)
  else
    picked = pick_set(n, due_by)
  end
  if options.rate and #picked > 0 then
    redis.call('HSET', flow, 'tat', string.format('%.3f', rate_from + (#picked / 2) * options.rate.t))
  end
  return picked, groups
end
