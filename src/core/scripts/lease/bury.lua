-- bury: ARGV holds (member, token, reason) triples: each current lease goes to the
-- dead letters with its reason (an item that failed to deserialize on claim).
-- Returns how many were buried.
local now, buried = server_ms(), 0
for i = 1, #ARGV, 3 do
  local held, count, score = current(ARGV[i], ARGV[i + 1])
  if held then
    bury(ARGV[i], ARGV[i + 2], count, score, now)
    buried = buried + 1
  end
end
return buried
