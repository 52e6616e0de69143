-- lease/common: what every lease script shares; each names it with
-- `--- @include "lease/common"`, which the core puts in its place. Every key arrives in
-- KEYS, all in the set's hash slot, in the order of the core's schema (LEASE_KEYS):
--   KEYS[1] set            zset: member -> score, the waiting items (the original's key)
--   KEYS[2] leases         zset: member -> lease deadline, ms by the server's clock
--   KEYS[3] lease-records  hash: member -> "token deliveries score" of its lease (token
--                          0: a retry waiting out its delay, held by nobody), then
--                          " group" for an item of a grouped set
--   KEYS[4] deliveries     hash: member -> how many times it was claimed, for an item
--                          back in the set after a delivery (a lease's own count is in
--                          its record; a claim takes the count over and removes it)
--   KEYS[5] fence          the counter that fencing tokens come from
--   KEYS[6] dead           zset: member -> when it was buried, ms
--   KEYS[7] dead-records   hash: member -> "deliveries time score reason"
--   KEYS[8] wake           zset: one marker that wakes a consumer blocked on it
--   KEYS[9] waiting        string, with an expiry: a consumer waits on the marker
--   KEYS[10] counters      hash: field -> how many items the scripts added, claimed,
--                          acked, retried, released, dead-lettered, recovered, requeued
--   KEYS[11] flow          hash: paused, the rate limit's state, the hold
--   KEYS[12] group-index   zset: a grouped set's waiting items by group (flow/groups)
--   KEYS[13] group-of      hash: member -> its group (waiting and dead items)
--   KEYS[14] groups-ready  list: the groups in line, round-robin
--   KEYS[15] groups-held   zset: group -> when its rate limit lets it go, ms
--   KEYS[16] groups-later  zset: group -> its head's score, nothing due yet
--   KEYS[17] group-in-flight  hash: group -> items leased, + where it is (flow/groups)
--   KEYS[18] group-rate    hash: group -> its rate limit's state
--   KEYS[19] group-dead    hash: group -> items in the dead letters
-- ARGV[1] of every lease script: the set's options (flow/options); "m": count what the
-- script does into the counters (the set opted in to metrics).
-- The clock is always the server's (TIME): a client's clock never decides expiry.
-- Whatever a client's options, a lease that ends settles its group's counts (its
-- record says which group): a client that does not know the set is grouped cannot
-- leave a group stuck at its in-flight limit.
local set, leases, records, deliveries, fence, dead, dead_records, wake, waiting, counters =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10]
local flow, index, group_of, ready, held, later, in_flight, group_rate, group_dead =
  KEYS[11], KEYS[12], KEYS[13], KEYS[14], KEYS[15], KEYS[16], KEYS[17], KEYS[18], KEYS[19]
--- @include "flow/options"
--- @include "flow/groups"
local counting = options.counting

-- Counts `n` more under `field` when the set counts: exact across every process, kept
-- with the data.
local function tally(field, n)
  if counting and n > 0 then redis.call('HINCRBY', counters, field, n) end
end

-- Something may have become eligible sooner: wake a waiting consumer (it blocks on
-- the marker with BZPOPMIN, then tries again). Written in the same script as the
-- change, so no wake-up is lost; only while a consumer waits, so a set nobody waits
-- on gets no extra key.
local function wake_up()
  if redis.call('EXISTS', waiting) == 1 then
    redis.call('ZADD', wake, 0, 'w')
    redis.call('PEXPIRE', wake, 60000)
  end
end

-- The server's time in whole ms, and with its fraction (for the rate limits).
local function server_clock()
  local t = redis.call('TIME')
  local ms = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
  return math.floor(ms), ms
end

local function server_ms()
  return (server_clock())
end

-- The original Python redset's lock (the key after the lease keys, when a scheduled
-- set honours it): its expiry while it is held at `now` by the original's rule (expiry
-- + 0.01 >= now), for the script to return at once, taking nothing; else nil.
local function original_lock_held(now)
  local expiry = KEYS[20] and tonumber(redis.call('GET', KEYS[20]))
  if expiry and expiry + 0.01 >= tonumber(now) then return tostring(expiry) end
  return nil
end

-- A lease record: "token deliveries score", then " group" when the item has one (the
-- group travels with the lease, so whoever ends it settles that group's count).
local function record_of(token, count, score, group)
  local record = token .. ' ' .. count .. ' ' .. score
  if group then return record .. ' ' .. group end
  return record
end

-- token, deliveries, score (as the set stored it) and group (nil: none) of a record.
local function parse(record)
  local token, count, score, group = string.match(record, '^(%d+) (%d+) (%S+)(.*)$')
  if group == '' then group = nil end
  return tonumber(token), tonumber(count), score, group and string.sub(group, 2)
end

-- The record of `member`'s lease if `token` is still its current one.
local function current(member, token)
  local record = redis.call('HGET', records, member)
  if not record then return nil end
  local held, count, score, group = parse(record)
  if held == 0 or held ~= tonumber(token) then return nil end
  return held, count, score, group
end

-- `command key ...list` in chunks of `per` list entries (Lua's unpack is limited by
-- the C stack), the replies of array commands joined.
local function chunked(command, key, list, per)
  local out = {}
  for i = 1, #list, per do
    local part = redis.call(command, key, unpack(list, i, math.min(i + per - 1, #list)))
    if type(part) == 'table' then
      for _, value in ipairs(part) do out[#out + 1] = value end
    end
  end
  return out
end

local function drop_lease(member)
  redis.call('ZREM', leases, member)
  redis.call('HDEL', records, member)
end

-- A lease ended: gone from the leases; one less in flight for its group when it was
-- held (token 0: a retry waiting out its delay, no longer counted).
local function end_lease(member, token, group)
  drop_lease(member)
  if token ~= 0 and group then settle_groups({group}) end
end

-- Back into the set at `score` and into its group's index (the group it was added to
-- meanwhile, else the lease's `group`), its deliveries so far (`count`) remembered for
-- the next claim.
local function requeue(member, score, count, group)
  group = index_drop(member) or group
  redis.call('ZADD', set, score, member)
  if group then index_add(member, group) end
  if count > 0 then
    redis.call('HSET', deliveries, member, count)
  else
    redis.call('HDEL', deliveries, member)
  end
end

-- ack of ARGV's (member, token) pairs from ARGV[from] on: each lease whose token is
-- still current is removed for good; the others are left as they are. Each step is one
-- command for all the leases (in chunks). Returns how many were acked and the position
-- (1-based, among the pairs) of each that was not.
local function ack_pairs(from)
  local members, tokens = {}, {}
  for i = from, #ARGV, 2 do
    members[#members + 1] = ARGV[i]
    tokens[#tokens + 1] = tonumber(ARGV[i + 1])
  end
  local held = chunked('HMGET', records, members, 1000)
  local acked, groups, lost = {}, {}, {}
  for i, member in ipairs(members) do
    local token, _, _, group = parse(held[i] or '')
    if token and token ~= 0 and token == tokens[i] then
      acked[#acked + 1] = member
      groups[#groups + 1] = group
    else
      lost[#lost + 1] = i
    end
  end
  if #acked > 0 then
    chunked('ZREM', leases, acked, 1000)
    chunked('HDEL', records, acked, 1000)
    if #groups > 0 and settle_groups(groups) then wake_up() end
  end
  return #acked, lost
end

-- To the dead letters (its group counts one more dead, and remembers it unless it was
-- added again meanwhile).
local function bury(member, reason, count, score, now, token, group)
  end_lease(member, token, group)
  if group then
    redis.call('HINCRBY', group_dead, group, 1)
    redis.call('HSETNX', group_of, member, group)
  end
  redis.call('HDEL', deliveries, member)
  redis.call('ZADD', dead, now, member)
  redis.call('HSET', dead_records, member, count .. ' ' .. now .. ' ' .. score .. ' ' .. reason)
end

-- Expired leases, at most `limit`: back to the set with the score they had, or to the
-- dead letters once their deliveries reached `max`. Returns (requeued, buried).
local function recover(now, limit, max)
  local expired = redis.call('ZRANGEBYSCORE', leases, '-inf', now, 'LIMIT', 0, limit)
  local requeued, buried = 0, 0
  for _, member in ipairs(expired) do
    local record = redis.call('HGET', records, member)
    local token, count, score, group = parse(record or '0 0 0')
    if record and count >= max then
      bury(member, 'lease expired after ' .. count .. ' deliveries', count, score, now, token, group)
      buried = buried + 1
    else
      end_lease(member, token, group)
      if record then
        requeue(member, score, count, group)
        requeued = requeued + 1
      end
    end
  end
  if requeued > 0 then wake_up() end
  tally('recovered', requeued)
  tally('dead', buried)
  return requeued, buried
end

