-- lease/common: what every lease script shares; each names it with
-- `--- @include "lease/common"`, which the core puts in its place. Every key arrives in
-- KEYS, all in the set's hash slot, in the order of the core's schema (LEASE_KEYS):
--   KEYS[1] set            zset: member -> score, the waiting items (the original's key)
--   KEYS[2] leases         zset: member -> lease deadline, ms by the server's clock
--   KEYS[3] lease-records  hash: member -> "token deliveries score" of its lease (token
--                          0: a retry waiting out its delay, held by nobody)
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
-- ARGV[1] of every lease script: the set's options, a word of letters; "m": count what
-- the script does into the counters (the set opted in to metrics).
-- The clock is always the server's (TIME): a client's clock never decides expiry.
local set, leases, records, deliveries, fence, dead, dead_records, wake, waiting, counters =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10]
local counting = string.find(ARGV[1], 'm', 1, true) ~= nil

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

local function server_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- token, deliveries, score (as the set stored it) of a lease record.
local function parse(record)
  local token, count, score = string.match(record, '^(%d+) (%d+) (.*)$')
  return tonumber(token), tonumber(count), score
end

-- The record of `member`'s lease if `token` is still its current one.
local function current(member, token)
  local record = redis.call('HGET', records, member)
  if not record then return nil end
  local held, count, score = parse(record)
  if held == 0 or held ~= tonumber(token) then return nil end
  return held, count, score
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

-- Back into the set at `score`, its deliveries so far (`count`) remembered for the
-- next claim.
local function requeue(member, score, count)
  redis.call('ZADD', set, score, member)
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
  local acked, lost = {}, {}
  for i, member in ipairs(members) do
    local token = held[i] and parse(held[i])
    if token and token ~= 0 and token == tokens[i] then
      acked[#acked + 1] = member
    else
      lost[#lost + 1] = i
    end
  end
  if #acked > 0 then
    chunked('ZREM', leases, acked, 1000)
    chunked('HDEL', records, acked, 1000)
  end
  return #acked, lost
end

local function bury(member, reason, count, score, now)
  drop_lease(member)
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
    local _, count, score = parse(record or '0 0 0')
    if record and count >= max then
      bury(member, 'lease expired after ' .. count .. ' deliveries', count, score, now)
      buried = buried + 1
    else
      drop_lease(member)
      if record then
        requeue(member, score, count)
        requeued = requeued + 1
      end
    end
  end
  if requeued > 0 then wake_up() end
  tally('recovered', requeued)
  tally('dead', buried)
  return requeued, buried
end

