-- probe: what a blocking wait may sleep until, and the note that a consumer waits on
-- the wake-up marker (for a minute: the wait probes again within it), so that writers
-- write the marker.
--   KEYS[1]  set
--   KEYS[2]  leases
--   KEYS[3]  waiting
--   ARGV     none
--   Returns  {score of the set's head or false, ms until the earliest lease deadline by
--            the server's clock (0 if it has passed) or false}
redis.call('SET', KEYS[3], 1, 'PX', 60000)
local head = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local lease = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
local until_lease = false
if lease[2] then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  until_lease = math.max(0, tonumber(lease[2]) - now)
end
return {head[2] or false, until_lease}
