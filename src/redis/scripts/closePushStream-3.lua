--[[ Close a push session's event stream (and, with ARGV[2] '1', the session). When no other
  stream of the agent is open, its Claude Code session is gone: the agent goes offline now,
  not when the online window runs out.
  KEYS[1] agent's push sessions   KEYS[2] agent's open push streams   KEYS[3] agent hash
  ARGV[1] session id   ARGV[2] '1' to end the session too
  Returns 1 the agent went offline, 0 it did not (another stream is open, or it has no record) ]]
--- @include "now"
local now = nowMs()
if ARGV[2] == '1' then
  redis.call('ZREM', KEYS[1], ARGV[1])
end
if redis.call('ZREM', KEYS[2], ARGV[1]) == 0 then
  return 0
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('ZCARD', KEYS[2]) > 0 or redis.call('HEXISTS', KEYS[3], 'last_seen') == 0 then
  return 0
end
redis.call('HSET', KEYS[3], 'left_at', now)
return 1
