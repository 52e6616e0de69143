-- in_flight: the leases in flight, earliest deadline first, for operators. A record
-- whose token is 0 is a retry waiting out its delay, held by nobody.
--   KEYS     the lease keys (lease/common)
--   ARGV[1]  options (lease/common)
--   ARGV[2]  at most how many
--   Returns  {server time ms, member, deadline ms, record ("token deliveries score"), ...}
--- @include "lease/common"
local out = {server_ms()}
local limit = tonumber(ARGV[2])
if limit < 1 then return out end
local listed = redis.call('ZRANGE', leases, 0, limit - 1, 'WITHSCORES')
for i = 1, #listed, 2 do
  out[#out + 1] = listed[i]
  out[#out + 1] = listed[i + 1]
  out[#out + 1] = redis.call('HGET', records, listed[i]) or ''
end
return out
