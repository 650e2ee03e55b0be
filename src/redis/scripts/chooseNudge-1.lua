--[[ Choose the requests a session is nudged about mid-turn: those it was never nudged about,
  and only if its last nudge is at least the interval old. Remembers them, by Redis's clock.
  KEYS[1] the session's nudged ids (zset scored by when each was nudged, in ms)
  ARGV[1] least time between two nudges, ms   ARGV[2] most ids remembered (the oldest go first)
  ARGV[3] TTL of the zset in seconds          ARGV[4] JSON array of the ids of queued requests
  Returns the ids to nudge about now, in the order given; {} for no nudge ]]
--- @include "now"
local now = nowMs()
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] and now - tonumber(last[2]) < tonumber(ARGV[1]) then
  return {}
end
local fresh = {}
for _, id in ipairs(cjson.decode(ARGV[4])) do
  if not redis.call('ZSCORE', KEYS[1], id) then
    fresh[#fresh + 1] = id
  end
end
if #fresh == 0 then
  return {}
end
for _, id in ipairs(fresh) do
  redis.call('ZADD', KEYS[1], now, id)
end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[2]) + 1))
redis.call('EXPIRE', KEYS[1], ARGV[3])
return fresh
