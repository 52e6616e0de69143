-- retry(lease, delay), release(lease) and rate_limited(lease, retry_after).
--   KEYS     the lease keys (lease/common)
--   ARGV[1]  options (lease/common)
--   ARGV[2]  member   ARGV[3] token   ARGV[4] delay ms   ARGV[5] max deliveries
--   ARGV[6]  mode: "release": back into the set at its score at once, the delivery not
--            counted; "rate-limited": the same, and the whole set hands out nothing
--            for the delay (the handler met an outside rate limit); "retry": to the
--            dead letters (with the reason) once its deliveries reached the maximum,
--            else back at its score after the delay — at once, or held as a lease
--            nobody holds (token 0) until the expiry sweep returns it; "retry-at": a
--            scheduled set, where the score is the time: back with the score now + delay
--   ARGV[7]  reason
--   Returns  {outcome, at}: outcome 0 lost, 1 back in the set, 2 held until `at`, 3 dead
--- @include "lease/common"
local held, count, score, group = current(ARGV[2], ARGV[3])
if not held then return {0, 0} end
local member, mode, now = ARGV[2], ARGV[6], server_ms()
local delay = tonumber(ARGV[4])
if mode == 'release' or mode == 'rate-limited' then
  tally('released', 1)
  end_lease(member, held, group)
  requeue(member, score, count - 1, group)
  if mode == 'rate-limited' then
    local until_ms = now + delay
    if until_ms > (tonumber(redis.call('HGET', flow, 'hold')) or 0) then
      redis.call('HSET', flow, 'hold', until_ms)
    end
  end
  wake_up()
  return {1, mode == 'release' and now or now + delay}
end
if count >= tonumber(ARGV[5]) then
  bury(member, ARGV[7], count, score, now, held, group)
  tally('dead', 1)
  return {3, now}
end
tally('retried', 1)
if mode == 'retry-at' then
  end_lease(member, held, group)
  requeue(member, string.format('%.3f', (now + delay) / 1000), count, group)
  wake_up()
  return {1, now + delay}
end
if delay <= 0 then
  end_lease(member, held, group)
  requeue(member, score, count, group)
  wake_up()
  return {1, now}
end
redis.call('ZADD', leases, now + delay, member)
redis.call('HSET', records, member, record_of(0, count, score, group))
-- No longer in flight for its group; a waiting consumer learns of the new, earlier
-- deadline.
if group then settle_groups({group}) end
wake_up()
return {2, now + delay}
