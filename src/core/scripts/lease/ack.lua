-- ack: done with leased items. Each lease whose token is still current is removed
-- for good; the others are left as they are.
--   KEYS     the lease keys (lease/common)
--   ARGV[1]  options (lease/common)
--   ARGV[2…] (member, token) pairs
--   Returns  {acked, position of each pair not acked (1-based), ...}
--- @include "lease/common"
local acked, lost = ack_pairs(2)
tally('acked', acked)
local out = {acked}
for _, at in ipairs(lost) do out[#out + 1] = at end
return out
