-- extend(lease, by): a current lease's deadline becomes now + ms.
--   KEYS     the lease keys (lease/common)
--   ARGV[1]  member   ARGV[2] token   ARGV[3] ms
--   Returns  the new deadline, or 0 if the lease is not current
--- @include "lease/common"
if not current(ARGV[1], ARGV[2]) then return 0 end
local deadline = server_ms() + tonumber(ARGV[3])
redis.call('ZADD', leases, deadline, ARGV[1])
return deadline
