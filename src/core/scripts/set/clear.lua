-- clear(): deletes the set and its companions in one step, so that no lease expiring
-- later puts an item back into a cleared set. The fencing-token counter is not among
-- them: tokens keep growing, so a stale holder's token never matches a new lease. Like
-- the original's DEL, it deletes the set's key whatever its type.
--   KEYS[1]  set
--   KEYS[2]  leases   KEYS[3] lease-records   KEYS[4] deliveries   KEYS[5] dead
--   KEYS[6]  dead-records   KEYS[7] wake   KEYS[8] waiting   KEYS[9] dedup
--   KEYS[10] group-index   KEYS[11] group-of   KEYS[12] groups-ready
--   KEYS[13] groups-held   KEYS[14] groups-later   KEYS[15] group-in-flight
--   KEYS[16] group-rate   KEYS[17] group-dead: a grouped set's bookkeeping (its flow
--            hash stays: a paused set stays paused, its rate limit keeps its state)
--   ARGV     none
--   Returns  1 if the set itself existed, else 0
local existed = redis.call('DEL', KEYS[1])
if #KEYS > 1 then
  redis.call('DEL', unpack(KEYS, 2))
end
return existed
