-- extend(lease, by): ARGV member, token, ms. A current lease's deadline becomes
-- now + ms. Returns the new deadline, or 0 if the lease is not current.
if not current(ARGV[1], ARGV[2]) then return 0 end
local deadline = server_ms() + tonumber(ARGV[3])
redis.call('ZADD', leases, deadline, ARGV[1])
return deadline
