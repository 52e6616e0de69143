-- ack: ARGV holds (member, token) pairs. Each lease whose token is still current is
-- removed, with its delivery count; the others are left as they are. Each step is one
-- command for all the leases (in chunks).
-- Returns {acked, position of each pair not acked (1-based), ...}.
local members, tokens = {}, {}
for i = 1, #ARGV, 2 do
  members[#members + 1] = ARGV[i]
  tokens[#tokens + 1] = tonumber(ARGV[i + 1])
end
local held = chunked('HMGET', records, members, 1000)
local acked, out = {}, {0}
for i, member in ipairs(members) do
  local token = held[i] and parse(held[i])
  if token and token ~= 0 and token == tokens[i] then
    acked[#acked + 1] = member
  else
    out[#out + 1] = i
  end
end
if #acked > 0 then
  chunked('ZREM', leases, acked, 1000)
  chunked('HDEL', records, acked, 1000)
  chunked('HDEL', deliveries, acked, 1000)
end
out[1] = #acked
return out
