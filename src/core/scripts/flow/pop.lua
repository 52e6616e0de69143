-- pop / take of a flow-controlled set: up to ARGV[3] items as flow/select hands them
-- out (nothing while paused or held, within the rate limits, round-robin over the
-- groups), removed for good — at most once, as the document's pop.
--   KEYS     the lease keys (lease/common), then when honoured:
--   KEYS[20] original-lock  the original Python redset's lock (a scheduled set): while
--            it holds, its expiry is returned and nothing is taken
--   ARGV[1]  options (lease/common)
--   ARGV[2]  "+inf", or "now" for a scheduled set: the highest eligible score
--   ARGV[3]  at most how many
--   Returns  the members, or the lock's expiry while it is held
--- @include "lease/common"
--- @include "flow/select"
local lock_expiry = original_lock_held(ARGV[2])
if lock_expiry then return lock_expiry end
local _, exact = server_clock()
local picked = hand_out(tonumber(ARGV[3]), ARGV[2], exact, false)
local members = {}
for i = 1, #picked, 2 do members[#members + 1] = picked[i] end
return members
