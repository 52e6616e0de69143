-- clear(): deletes the set KEYS[1] and, when given, the companions KEYS[2..] (its
-- leases, delivery counts and dead letters), in one step, so that no lease expiring
-- later puts an item back into a cleared set. The fencing-token counter is not among
-- them: tokens keep growing, so a stale holder's token never matches a new lease.
-- Returns 1 if the set itself existed, else 0. Like the original's DEL, it deletes the
-- key whatever its type.
local existed = redis.call('DEL', KEYS[1])
if #KEYS > 1 then
  redis.call('DEL', unpack(KEYS, 2))
end
return existed
