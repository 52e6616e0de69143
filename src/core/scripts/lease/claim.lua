-- claim(n, lease): first the expired-lease sweep (ARGV[4] at most), then up to ARGV[1]
-- items whose score is at most ARGV[5] ("+inf", or "now" for a scheduled set), lowest
-- first, each moved to the leases with a deadline ARGV[2] ms from now, a delivery
-- counted and a fresh fencing token. ARGV[3]: the maximum deliveries.
-- KEYS[8], when given: the original Python redset's lock, honoured as the scheduled
-- pop honours it (its expiry is returned, and nothing taken, while it is held).
-- Returns {requeued, buried, member, token, deliveries, deadline, score, ...}.
local now = server_ms()
local requeued, buried = recover(now, tonumber(ARGV[4]), tonumber(ARGV[3]))
if KEYS[8] then
  local expiry = tonumber(redis.call('GET', KEYS[8]))
  if expiry and expiry + 0.01 >= tonumber(ARGV[5]) then
    return tostring(expiry)
  end
end
local picked = redis.call('ZRANGEBYSCORE', set, '-inf', ARGV[5], 'WITHSCORES', 'LIMIT', 0, ARGV[1])
local deadline = now + tonumber(ARGV[2])
local out = {requeued, buried}
for i = 1, #picked, 2 do
  local member, score = picked[i], picked[i + 1]
  redis.call('ZREM', set, member)
  local token = redis.call('INCR', fence)
  local count = redis.call('HINCRBY', deliveries, member, 1)
  redis.call('ZADD', leases, deadline, member)
  redis.call('HSET', records, member, token .. ' ' .. count .. ' ' .. score)
  out[#out + 1] = member
  out[#out + 1] = token
  out[#out + 1] = count
  out[#out + 1] = deadline
  out[#out + 1] = score
end
return out
