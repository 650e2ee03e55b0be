--[[ Record that an agent was seen now, creating its record on first sight.
  KEYS[1] agent hash   KEYS[2] agent index (zset scored by last_seen)
  ARGV[1] agent id     ARGV[2] record TTL in seconds
  ARGV[3] Claude Code session id making the call, or '': refreshes that session's activity
          when it is the session registered for the agent
  Returns nothing ]]
--- @include "now"
local now = nowMs()
redis.call('HSETNX', KEYS[1], 'first_seen', now)
redis.call('HSET', KEYS[1], 'agent_id', ARGV[1], 'last_seen', now)
if ARGV[3] ~= '' and redis.call('HGET', KEYS[1], 'session_id') == ARGV[3] then
  redis.call('HSET', KEYS[1], 'session_seen', now)
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], now, ARGV[1])
