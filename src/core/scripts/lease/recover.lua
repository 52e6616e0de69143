-- recover(): the expired-lease sweep alone.
--   KEYS     the lease keys (lease/common)
--   ARGV[1]  options (lease/common)
--   ARGV[2]  at most how many   ARGV[3] the maximum deliveries
--   Returns  {requeued, buried}
--- @include "lease/common"
local requeued, buried = recover(server_ms(), tonumber(ARGV[2]), tonumber(ARGV[3]))
return {requeued, buried}
