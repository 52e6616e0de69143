-- claim(n, lease): first the expired-lease sweep (ARGV[4] at most), then up to ARGV[1]
-- items whose score is at most ARGV[5] ("+inf", or "now" for a scheduled set), lowest
-- first, each moved to the leases with a deadline ARGV[2] ms from now, a delivery
-- counted and a fresh fencing token. ARGV[3]: the maximum deliveries.
-- KEYS[10], when given: the original Python redset's lock, honoured as the scheduled
-- pop honours it (its expiry is returned, and nothing taken, while it is held).
-- Each step is one command for all the items (in chunks), not one per item.
-- Returns {requeued, buried, member, token, deliveries, deadline, score, ...}.
local now = server_ms()
local requeued, buried = recover(now, tonumber(ARGV[4]), tonumber(ARGV[3]))
if KEYS[10] then
  local expiry = tonumber(redis.call('GET', KEYS[10]))
  if expiry and expiry + 0.01 >= tonumber(ARGV[5]) then
    return tostring(expiry)
  end
end
local picked = redis.call('ZRANGEBYSCORE', set, '-inf', ARGV[5], 'WITHSCORES', 'LIMIT', 0, ARGV[1])
local out = {requeued, buried}
if #picked == 0 then return out end
local members, scores, n = {}, {}, #picked / 2
for i = 1, n do
  members[i] = picked[2 * i - 1]
  scores[i] = picked[2 * i]
end
chunked('ZREM', set, members, 1000)
local first = redis.call('INCRBY', fence, n) - n
local counts = chunked('HMGET', deliveries, members, 1000)
local deadline = now + tonumber(ARGV[2])
-- Numbers as strings once: Redis would format each Lua number it is given.
local deadline_text = string.format('%d', deadline)
local counted, deadlines, records_args = {}, {}, {}
local at = 2
for i = 1, n do
  local member, token = members[i], string.format('%d', first + i)
  local count = (tonumber(counts[i]) or 0) + 1
  counted[2 * i - 1], counted[2 * i] = member, count
  deadlines[2 * i - 1], deadlines[2 * i] = deadline_text, member
  records_args[2 * i - 1] = member
  records_args[2 * i] = token .. ' ' .. count .. ' ' .. scores[i]
  out[at + 1], out[at + 2], out[at + 3], out[at + 4], out[at + 5] =
    member, token, count, deadline, scores[i]
  at = at + 5
end
chunked('HSET', deliveries, counted, 2000)
chunked('ZADD', leases, deadlines, 2000)
chunked('HSET', records, records_args, 2000)
return out
