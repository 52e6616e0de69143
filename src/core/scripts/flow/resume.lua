-- resume(): the set hands out items again; waiting consumers are woken through the
-- wake-up marker (written only while one waits), so none polls.
--   KEYS[1]  flow   KEYS[2] wake   KEYS[3] waiting
--   ARGV     none
--   Returns  1 if the set was paused, else 0
local was = redis.call('HDEL', KEYS[1], 'paused')
if redis.call('EXISTS', KEYS[3]) == 1 then
  redis.call('ZADD', KEYS[2], 0, 'w')
  redis.call('PEXPIRE', KEYS[2], 60000)
end
return was
