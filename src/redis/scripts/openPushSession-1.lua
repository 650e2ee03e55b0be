--[[ Open a push session (an MCP session of the /push endpoint) for an agent, unless it holds
  the most it may; sessions past their time are dropped first.
  KEYS[1] agent's push sessions (zset scored by when each lapses)
  ARGV[1] session id   ARGV[2] lifetime ms without renewal   ARGV[3] most sessions per agent
  Returns Code.Ok, Code.TooManyPushSessions ]]
--- @include "now"
local now = nowMs()
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  return Code.TooManyPushSessions
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return Code.Ok
