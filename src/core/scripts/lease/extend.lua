-- extend(lease, by): a current lease's deadline becomes now + ms.
--   KEYS     the lease keys (lease/common)
--   ARGV[1]  options (lease/common)
--   ARGV[2]  member   ARGV[3] token   ARGV[4] ms
--   Returns  the new deadline, or 0 if the lease is not current
--- @include "lease/common"
if not current(ARGV[2], ARGV[3]) then return 0 end
local deadline = server_ms() + tonumber(ARGV[4])
redis.call('ZADD', leases, deadline, ARGV[2])
return deadline
