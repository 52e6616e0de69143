-- recover(): the expired-lease sweep alone. ARGV: at most how many, max deliveries.
-- Returns {requeued, buried}.
local requeued, buried = recover(server_ms(), tonumber(ARGV[1]), tonumber(ARGV[2]))
return {requeued, buried}
