-- claim(n, lease): first the expired-lease sweep (ARGV[4] at most), then up to
-- ARGV[1] items whose score is at most ARGV[5], lowest first, each moved to the leases
-- with a deadline ARGV[2] ms from now, a delivery counted and a fresh fencing token.
-- Each step is one command for all the items (in chunks), not one per item.
--   KEYS     the lease keys (lease/common), then when honoured:
--   KEYS[10] original-lock  the original Python redset's lock, honoured as the
--            scheduled pop honours it (its expiry is returned, and nothing acked or
--            taken, while it is held)
--   ARGV[1]  how many   ARGV[2] lease ms   ARGV[3] the maximum deliveries
--   ARGV[4]  at most how many expired leases to sweep first
--   ARGV[5]  "+inf", or "now" for a scheduled set: the highest eligible score
--   ARGV[6…] (member, token) pairs to ack first (ack_and_claim). If any of them is no
--            longer held, the others are acked, nothing is claimed, and the reply is
--            {"lost", position of each pair not acked, ...}
--   Returns  {requeued, buried, member, token, deliveries, deadline, score, ...}
--- @include "lease/common"
local now = server_ms()
if KEYS[10] then
  local expiry = tonumber(redis.call('GET', KEYS[10]))
  if expiry and expiry + 0.01 >= tonumber(ARGV[5]) then
    return tostring(expiry)
  end
end
if #ARGV > 5 then
  local _, lost = ack_pairs(6)
  if #lost > 0 then
    local out = {'lost'}
    for _, at in ipairs(lost) do out[#out + 1] = at end
    return out
  end
end
local requeued, buried = recover(now, tonumber(ARGV[4]), tonumber(ARGV[3]))
-- Every item is eligible in a priority or FIFO set: one ZPOPMIN picks and removes.
local unbounded = ARGV[5] == '+inf'
local picked = unbounded and redis.call('ZPOPMIN', set, ARGV[1])
  or redis.call('ZRANGEBYSCORE', set, '-inf', ARGV[5], 'WITHSCORES', 'LIMIT', 0, ARGV[1])
local out = {requeued, buried}
if #picked == 0 then return out end
local members, scores, n = {}, {}, #picked / 2
for i = 1, n do
  members[i] = picked[2 * i - 1]
  scores[i] = picked[2 * i]
end
if not unbounded then chunked('ZREM', set, members, 1000) end
local first = redis.call('INCRBY', fence, n) - n
-- Deliveries of items that were back in the set after one; the lease record keeps the
-- count from here on.
local counts = chunked('HMGET', deliveries, members, 1000)
local counted = {}
for i = 1, n do
  if counts[i] then counted[#counted + 1] = members[i] end
end
if #counted > 0 then chunked('HDEL', deliveries, counted, 1000) end
local deadline = now + tonumber(ARGV[2])
-- Numbers as strings once: Redis would format each Lua number it is given.
local deadline_text = string.format('%d', deadline)
local deadlines, records_args = {}, {}
local at = 2
for i = 1, n do
  local member, token = members[i], string.format('%d', first + i)
  local count = (tonumber(counts[i]) or 0) + 1
  deadlines[2 * i - 1], deadlines[2 * i] = deadline_text, member
  records_args[2 * i - 1] = member
  records_args[2 * i] = token .. ' ' .. count .. ' ' .. scores[i]
  out[at + 1], out[at + 2], out[at + 3], out[at + 4], out[at + 5] =
    member, token, count, deadline, scores[i]
  at = at + 5
end
chunked('ZADD', leases, deadlines, 2000)
chunked('HSET', records, records_args, 2000)
return out
