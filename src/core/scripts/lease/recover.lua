-- recover(): the expired-lease sweep alone.
--   KEYS     the lease keys (lease/common)
--   ARGV[1]  at most how many   ARGV[2] the maximum deliveries
--   Returns  {requeued, buried}
--- @include "lease/common"
local requeued, buried = recover(server_ms(), tonumber(ARGV[1]), tonumber(ARGV[2]))
return {requeued, buried}
