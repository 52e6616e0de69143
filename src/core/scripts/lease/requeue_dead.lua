-- requeue_dead: each dead letter goes back into the set (and its group) with the score
-- it had, its deliveries counted afresh.
--   KEYS     the lease keys (lease/common)
--   ARGV[1]  options (lease/common)
--   ARGV[2…] members
--   Returns  how many were requeued
--- @include "lease/common"
local requeued = 0
for i = 2, #ARGV do
  local member = ARGV[i]
  if redis.call('ZREM', dead, member) == 1 then
    local record = redis.call('HGET', dead_records, member) or ''
    local score = string.match(record, '^%d+ %d+ (%S+)') or '0'
    redis.call('HDEL', dead_records, member)
    local group = redis.call('HGET', group_of, member)
    if group and redis.call('HINCRBY', group_dead, group, -1) <= 0 then
      redis.call('HDEL', group_dead, group)
    end
    requeue(member, score, 0, group)
    requeued = requeued + 1
  end
end
tally('requeued', requeued)
if requeued > 0 then wake_up() end
return requeued
