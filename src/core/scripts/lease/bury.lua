-- bury: current leases to the dead letters, each with its reason (items that failed
-- to deserialize on claim).
--   KEYS     the lease keys (lease/common)
--   ARGV[1]  options (lease/common)
--   ARGV[2…] (member, token, reason) triples
--   Returns  how many were buried
--- @include "lease/common"
local now, buried = server_ms(), 0
for i = 2, #ARGV, 3 do
  local held, count, score, group = current(ARGV[i], ARGV[i + 1])
  if held then
    bury(ARGV[i], ARGV[i + 2], count, score, now, held, group)
    buried = buried + 1
  end
end
tally('dead', buried)
return buried
