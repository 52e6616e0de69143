-- group_stats: each group's waiting, in-flight and dead items, for operators.
--   KEYS     the lease keys (lease/common)
--   ARGV[1]  options (lease/common)
--   ARGV[2]  "groups": the groups named after it; "list": up to ARGV[3] groups that
--            have waiting, in-flight or dead items: those with waiting items first,
--            in index order (by the group's length, then its bytes), then the others
--            by name
--   Returns  {group, waiting, in flight, dead, ...}
--- @include "lease/common"
local groups = {}
if ARGV[2] == 'groups' then
  for i = 3, #ARGV do groups[#groups + 1] = ARGV[i] end
else
  local limit, seen = tonumber(ARGV[3]), {}
  local low = '-'
  while #groups < limit do
    local first = redis.call('ZRANGEBYLEX', index, low, '+', 'LIMIT', 0, 1)[1]
    if not first then break end
    local length = string.byte(first, 1) * 256 + string.byte(first, 2)
    local group = string.sub(first, 3, 2 + length)
    groups[#groups + 1], seen[group] = group, true
    low = '(' .. prefix(group) .. '\255\255'
  end
  local others = {}
  -- A group's number in in_flight says where it is too: one with nothing in flight
  -- (only a place in line, its items gone) is not listed for it.
  local numbers = redis.call('HGETALL', in_flight)
  for i = 1, #numbers, 2 do
    local group = numbers[i]
    if not seen[group] and group_state(numbers[i + 1]) > 0 then
      others[#others + 1], seen[group] = group, true
    end
  end
  for _, group in ipairs(redis.call('HKEYS', group_dead)) do
    if not seen[group] then others[#others + 1], seen[group] = group, true end
  end
  table.sort(others)
  for _, group in ipairs(others) do
    if #groups >= limit then break end
    groups[#groups + 1] = group
  end
end
local out = {}
for _, group in ipairs(groups) do
  out[#out + 1] = group
  out[#out + 1] = group_waiting(group)
  out[#out + 1] = (group_state(redis.call('HGET', in_flight, group)))
  out[#out + 1] = tonumber(redis.call('HGET', group_dead, group)) or 0
end
return out
