-- retry(lease, delay) and release(lease).
--   KEYS     the lease keys (lease/common)
--   ARGV[1]  options (lease/common)
--   ARGV[2]  member   ARGV[3] token   ARGV[4] delay ms   ARGV[5] max deliveries
--   ARGV[6]  mode: "release": back into the set at its score at once, the delivery not
--            counted; "retry": to the dead letters (with the reason) once its deliveries
--            reached the maximum, else back at its score after the delay — at once, or
--            held as a lease nobody holds (token 0) until the expiry sweep returns it;
--            "retry-at": a scheduled set, where the score is the time: back with the
--            score now + delay
--   ARGV[7]  reason
--   Returns  {outcome, at}: outcome 0 lost, 1 back in the set, 2 held until `at`, 3 dead
--- @include "lease/common"
local held, count, score = current(ARGV[2], ARGV[3])
if not held then return {0, 0} end
local member, mode, now = ARGV[2], ARGV[6], server_ms()
local delay = tonumber(ARGV[4])
if mode == 'release' then
  tally('released', 1)
  drop_lease(member)
  requeue(member, score, count - 1)
  wake_up()
  return {1, now}
end
if count >= tonumber(ARGV[5]) then
  bury(member, ARGV[7], count, score, now)
  tally('dead', 1)
  return {3, now}
end
tally('retried', 1)
if mode == 'retry-at' then
  drop_lease(member)
  requeue(member, string.format('%.3f', (now + delay) / 1000), count)
  wake_up()
  return {1, now + delay}
end
if delay <= 0 then
  drop_lease(member)
  requeue(member, score, count)
  wake_up()
  return {1, now}
end
redis.call('ZADD', leases, now + delay, member)
redis.call('HSET', records, member, '0 ' .. count .. ' ' .. score)
-- A waiting consumer learns of the new, earlier deadline.
wake_up()
return {2, now + delay}
