-- stats: a set's counts in one round trip.
--   KEYS     the lease keys (lease/common)
--   ARGV[1]  options (lease/common)
--   ARGV[2]  "+inf", or "now" for a scheduled set: the highest eligible score
--   Returns  {waiting, due, in flight (leases, including retries waiting out their
--            delay), dead, score of the oldest due item or false, the server's time ms,
--            the counters as {field, value, ...} (empty when the set never counted),
--            1 while the set is paused else 0, until when (ms) rate_limited holds it or
--            false, the maximum deliveries the last claim applied or false}
--- @include "lease/common"
local due_by = ARGV[2]
local oldest = redis.call('ZRANGEBYSCORE', set, '-inf', due_by, 'WITHSCORES', 'LIMIT', 0, 1)
return {
  redis.call('ZCARD', set),
  redis.call('ZCOUNT', set, '-inf', due_by),
  redis.call('ZCARD', leases),
  redis.call('ZCARD', dead),
  oldest[2] or false,
  server_ms(),
  redis.call('HGETALL', counters),
  redis.call('HEXISTS', flow, 'paused'),
  redis.call('HGET', flow, 'hold'),
  redis.call('HGET', flow, 'max-deliveries'),
}
