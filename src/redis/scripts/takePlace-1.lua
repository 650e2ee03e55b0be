--[[ Take one of at most ARGV[3] places in a set of places in use (an agent's blocked waits, in
  any process; its push sessions), unless all are taken. Each place is scored by when it ends at
  the latest, so the places of a process that crashed, or of a client that left without a word,
  age out rather than hold them for ever.
  KEYS[1] the places zset
  ARGV[1] place id   ARGV[2] longest the place may last, in ms   ARGV[3] most places
  Returns Code.Ok, Code.NoPlaceLeft ]]
--- @include "now"
local now = nowMs()
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  return Code.NoPlaceLeft
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
-- The key lives as long as its longest place.
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], last[2])
return Code.Ok
