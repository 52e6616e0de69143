-- purge_dead: deletes every dead letter.
--   KEYS     the lease keys (lease/common)
--   ARGV[1]  options (lease/common)
--   Returns  how many there were
--- @include "lease/common"
local count = redis.call('ZCARD', dead)
redis.call('DEL', dead, dead_records)
return count
