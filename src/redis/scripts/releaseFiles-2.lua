--[[ Release an agent's reservations: the given patterns, or all of them. Only the agent's own
  are ever touched: another agent's reservation of the same pattern is a field of its own.
  KEYS[1] reservations hash   KEYS[2] reservation expiry zset
  ARGV[1] agent   ARGV[2] normalized patterns, one per line, or '' for all the agent's
  Returns {{patterns released}, {patterns the agent held no live reservation of}} ]]
--- @include "now"
--- @include "reservations"
--- @include "lines"
local now = nowMs()
local agent = ARGV[1]
pruneReservations(KEYS[1], KEYS[2], now)
local released, missing = {}, {}
local function release(pattern)
  local field = reservationField(agent, pattern)
  if redis.call('HDEL', KEYS[1], field) == 1 then
    redis.call('ZREM', KEYS[2], field)
    released[#released + 1] = pattern
  else
    missing[#missing + 1] = pattern
  end
end
if ARGV[2] == '' then
  for _, record in ipairs(liveReservations(KEYS[1], now)) do
    if record.agent == agent then
      release(record.pattern)
    end
  end
  table.sort(released)
else
  for _, pattern in ipairs(splitLines(ARGV[2])) do
    release(pattern)
  end
end
keepReservationKeys(KEYS[1], KEYS[2])
return { released, missing }
