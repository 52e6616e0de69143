-- claim(n, lease): first the expired-lease sweep (ARGV[5] at most), then up to
-- ARGV[2] items whose score is at most ARGV[6], as flow/select picks them (nothing
-- while paused; within the rate limits; round-robin over a grouped set's groups), each
-- moved to the leases with a deadline ARGV[3] ms from now, a delivery counted and a
-- fresh fencing token. Each step is one command for all the items (in chunks), not one
-- per item.
--   KEYS     the lease keys (lease/common), then when honoured:
--   KEYS[20] original-lock  the original Python redset's lock, honoured as the
--            scheduled pop honours it (its expiry is returned, and nothing acked or
--            taken, while it is held)
--   ARGV[1]  options (lease/common)
--   ARGV[2]  how many   ARGV[3] lease ms   ARGV[4] the maximum deliveries, which
--            it also keeps as the set's in the flow hash ("max-deliveries"), for
--            operator tools that recover expired leases with no policy of their own
--   ARGV[5]  at most how many expired leases to sweep first
--   ARGV[6]  "+inf", or "now" for a scheduled set: the highest eligible score
--   ARGV[7…] (member, token) pairs to ack first (ack_and_claim). If any of them is no
--            longer held, the others are acked, nothing is claimed, and the reply is
--            {"lost", position of each pair not acked, ...}
--   Returns  {requeued, buried, member, token, deliveries, deadline, score, ...}
--- @include "lease/common"
--- @include "flow/select"
local now, exact = server_clock()
local lock_expiry = original_lock_held(ARGV[6])
if lock_expiry then return lock_expiry end
if #ARGV > 6 then
  local acked, lost = ack_pairs(7)
  tally('acked', acked)
  if #lost > 0 then
    local out = {'lost'}
    for _, at in ipairs(lost) do out[#out + 1] = at end
    return out
  end
end
if redis.call('HGET', flow, 'max-deliveries') ~= ARGV[4] then
  redis.call('HSET', flow, 'max-deliveries', ARGV[4])
end
local requeued, buried = recover(now, tonumber(ARGV[5]), tonumber(ARGV[4]))
local picked, groups = hand_out(tonumber(ARGV[2]), ARGV[6], exact, true)
local out = {requeued, buried}
if #picked == 0 then return out end
tally('claimed', #picked / 2)
local members, scores, n = {}, {}, #picked / 2
for i = 1, n do
  members[i] = picked[2 * i - 1]
  scores[i] = picked[2 * i]
end
local first = redis.call('INCRBY', fence, n) - n
-- Deliveries of items that were back in the set after one; the lease record keeps the
-- count from here on.
local counts = chunked('HMGET', deliveries, members, 1000)
local counted = {}
for i = 1, n do
  if counts[i] then counted[#counted + 1] = members[i] end
end
if #counted > 0 then chunked('HDEL', deliveries, counted, 1000) end
local deadline = now + tonumber(ARGV[3])
-- Numbers as strings once: Redis would format each Lua number it is given.
local deadline_text = string.format('%d', deadline)
local deadlines, records_args = {}, {}
local at = 2
for i = 1, n do
  local member, token = members[i], string.format('%d', first + i)
  local count = (tonumber(counts[i]) or 0) + 1
  deadlines[2 * i - 1], deadlines[2 * i] = deadline_text, member
  records_args[2 * i - 1] = member
  records_args[2 * i] = record_of(token, count, scores[i], groups and groups[i])
  out[at + 1], out[at + 2], out[at + 3], out[at + 4], out[at + 5] =
    member, token, count, deadline, scores[i]
  at = at + 5
end
chunked('ZADD', leases, deadlines, 2000)
chunked('HSET', records, records_args, 2000)
return out
