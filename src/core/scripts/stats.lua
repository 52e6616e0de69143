-- stats: a set's counts in one round trip.
--   KEYS     the lease keys (lease/common)
--   ARGV[1]  "+inf", or "now" for a scheduled set: the highest eligible score
--   Returns  {waiting, due, in flight (leases, including retries waiting out their
--            delay), dead, score of the oldest due item or false, the server's time ms}
--- @include "lease/common"
local due_by = ARGV[1]
local oldest = redis.call('ZRANGEBYSCORE', set, '-inf', due_by, 'WITHSCORES', 'LIMIT', 0, 1)
return {
  redis.call('ZCARD', set),
  redis.call('ZCOUNT', set, '-inf', due_by),
  redis.call('ZCARD', leases),
  redis.call('ZCARD', dead),
  oldest[2] or false,
  server_ms(),
}
