-- purge: deletes every dead letter. Returns how many there were.
local count = redis.call('ZCARD', dead)
redis.call('DEL', dead, dead_records)
return count
