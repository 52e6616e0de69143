-- add_counted: `add` of one member for a set that counts and needs nothing else of the
-- add script (no deduplication window, no groups, no ZADD flags): the ZADD, one more in
-- the set's `added` counter when the member is new, and whether a consumer waits — the
-- reply of the ZADD and EXISTS that a set that does not count pipelines, so the caller
-- writes the wake-up marker the same way (see set/zadd.rs).
--   KEYS[1]  set       the set
--   KEYS[2]  counters  hash: `added` counts the new members
--   KEYS[3]  waiting   exists while a consumer waits on the marker
--   ARGV[1]  score   ARGV[2] member
--   Returns  {ZADD's reply (1: new), 1 while a consumer waits else 0}
local added = redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
if added > 0 then redis.call('HINCRBY', KEYS[2], 'added', added) end
return {added, redis.call('EXISTS', KEYS[3])}
