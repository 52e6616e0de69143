-- ack: ARGV holds (member, token) pairs. Each lease whose token is still current is
-- removed, with its delivery count; the others are left as they are.
-- Returns {acked, position of each pair not acked (1-based), ...}.
local out = {0}
for i = 1, #ARGV, 2 do
  if current(ARGV[i], ARGV[i + 1]) then
    drop_lease(ARGV[i])
    redis.call('HDEL', deliveries, ARGV[i])
    out[1] = out[1] + 1
  else
    out[#out + 1] = (i + 1) / 2
  end
end
return out
