-- dead: the dead letters, oldest first.
--   KEYS     the lease keys (lease/common)
--   ARGV[1]  options (lease/common)
--   ARGV[2]  at most how many
--   Returns  {member, record, ...}
--- @include "lease/common"
local members = redis.call('ZRANGE', dead, 0, tonumber(ARGV[2]) - 1)
local out = {}
for _, member in ipairs(members) do
  out[#out + 1] = member
  out[#out + 1] = redis.call('HGET', dead_records, member) or ''
end
return out
