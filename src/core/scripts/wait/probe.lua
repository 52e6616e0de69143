-- probe: when something may next be handed out, and the note that a consumer waits on
-- the wake-up marker (for a minute: the wait probes again within it), so that writers
-- write the marker.
--   KEYS[1]  set   KEYS[2] leases   KEYS[3] waiting
--   KEYS[4]  flow   KEYS[5] groups-ready   KEYS[6] groups-held   KEYS[7] groups-later
--   ARGV[1]  the set's options (flow/options)
--   Returns  {the score of the next candidate (the set's head; a grouped set's: "-inf"
--            while a group is ready, else the earliest later group's) or false,
--            ms until the earliest lease deadline (0 if it has passed) or false,
--            ms until a held group's rate limit lets it go or false,
--            ms until the set's rate limit or hold lets an item go (0: now) or false,
--            1 while the set is paused, else 0}, the times by the server's clock
local set, leases, waiting, flow, ready, held, later =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
--- @include "flow/options"
redis.call('SET', waiting, 1, 'PX', 60000)
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local function until_ms(at)
  return at and math.max(0, math.ceil(tonumber(at) - now)) or false
end

local head, held_in = false, false
if options.grouped then
  if redis.call('LLEN', ready) > 0 then
    head = '-inf'
  else
    head = redis.call('ZRANGE', later, 0, 0, 'WITHSCORES')[2] or false
    held_in = until_ms(redis.call('ZRANGE', held, 0, 0, 'WITHSCORES')[2])
  end
else
  head = redis.call('ZRANGE', set, 0, 0, 'WITHSCORES')[2] or false
end
local lease = redis.call('ZRANGE', leases, 0, 0, 'WITHSCORES')[2]

local state = redis.call('HMGET', flow, 'paused', 'hold', 'tat')
local not_before = until_ms(state[2])
if options.rate and state[3] then
  local k, from = allowance(options.rate, tonumber(state[3]), now)
  if k < 1 then
    local rate_in = until_ms(from - options.rate.tau)
    not_before = math.max(not_before or 0, rate_in)
  end
end
return {head, until_ms(lease), held_in, not_before, state[1] and 1 or 0}
