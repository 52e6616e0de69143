-- flow/options: the set's options word (ARGV[1] of the lease scripts, the add script and
-- the wait probe), read once. Letters, some with numbers, separated by spaces:
--   m              count what the script does into the counters (metrics)
--   r<n>/<ms>/<b>  the set's rate limit: n items per ms, a burst of b
--   g              fair groups: claims go round-robin over the groups
--   k<n>           at most n items of one group in flight
--   q<n>/<ms>/<b>  each group's rate limit: n items per ms, a burst of b
-- A rate limit is a GCRA: one item every t = ms / n, and up to b at once (a tolerance
-- of (b - 1) * t), so that no window of w ms hands out more than b + w / t.
local function rate_option(word, letter)
  local n, ms, burst = string.match(word, letter .. '(%d+)/(%d+)/(%d+)')
  if not n then return nil end
  local t = tonumber(ms) / tonumber(n)
  return { t = t, tau = (tonumber(burst) - 1) * t }
end

-- Each letter is looked for as plain text first: a pattern that fails costs three times
-- as much, and every script reads the options on every call.
local options = { counting = false, grouped = false }
do
  local word = ARGV[1] or ''
  if word ~= '' then
    local find = string.find
    options.counting = find(word, 'm', 1, true) ~= nil
    options.grouped = find(word, 'g', 1, true) ~= nil
    if find(word, 'r', 1, true) then options.rate = rate_option(word, 'r') end
    if find(word, 'q', 1, true) then options.group_rate = rate_option(word, 'q') end
    if find(word, 'k', 1, true) then options.group_limit = tonumber(string.match(word, 'k(%d+)')) end
  end
end

-- How many items a rate limit lets go at `now` (ms) given its theoretical arrival time
-- `tat` (ms, nil: never used), and from when it counts: the new tat after k items is
-- `from + k * t`. When it lets none go, `from - tau` is when it lets the next one go.
local function allowance(rate, tat, now)
  local from = math.max(tat or 0, now)
  local k = math.floor((now + rate.tau - from) / rate.t) + 1
  return math.max(k, 0), from
end
