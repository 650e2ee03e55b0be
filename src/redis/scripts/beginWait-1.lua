--[[ Count a blocked wait of an agent's, unless it already has ARGV[3] blocked, in any process.
  Each wait is scored by when it ends at the latest, so the waits of a process that crashed
  age out rather than hold their places for ever.
  KEYS[1] the agent's waits zset
  ARGV[1] wait id   ARGV[2] longest the wait may last, in ms   ARGV[3] most waits
  Returns Code.Ok, Code.TooManyWaits ]]
--- @include "now"
local now = nowMs()
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  return Code.TooManyWaits
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
-- The key lives as long as its longest wait.
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], last[2])
return Code.Ok
