-- purge_dead: deletes every dead letter (and what their groups knew of them).
--   KEYS     the lease keys (lease/common)
--   ARGV[1]  options (lease/common)
--   Returns  how many there were
--- @include "lease/common"
local count = redis.call('ZCARD', dead)
if redis.call('EXISTS', group_dead) == 1 then
  local members = redis.call('ZRANGE', dead, 0, -1)
  local groups = chunked('HMGET', group_of, members, 1000)
  for i, member in ipairs(members) do
    -- Unless it is waiting or in flight again (added anew meanwhile).
    if groups[i] and not redis.call('ZSCORE', set, member)
        and not redis.call('ZSCORE', leases, member) then
      redis.call('HDEL', group_of, member)
    end
  end
  redis.call('DEL', group_dead)
end
redis.call('DEL', dead, dead_records)
return count
