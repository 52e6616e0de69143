-- What a blocking wait may sleep until: the score of the set KEYS[1]'s head, and the ms
-- until the earliest deadline in its leases KEYS[2] by the server's clock (0 if it has
-- passed). Each is false when there is none. It also says, in KEYS[3] for a minute,
-- that a consumer waits on the wake-up marker, so that writers write it (the wait
-- probes again within that minute).
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
