--[[ Record that an agent was seen now. Only with ARGV[4] '1' is a record created on first
  sight, and then only while the coordinator holds fewer than ARGV[5] agents seen within the
  record TTL (index entries older than that are dropped first: their records expired).
  KEYS[1] agent hash   KEYS[2] agent index (zset scored by last_seen)
  ARGV[1] agent id     ARGV[2] record TTL in seconds
  ARGV[3] Claude Code session id making the call, or '': refreshes that session's activity
          when it is the session registered for the agent
  ARGV[4] '1' to create the record if there is none   ARGV[5] most agents
  Returns Code.Ok (refreshed or created), Code.NotFound (no record, none created),
  Code.TooManyAgents ]]
--- @include "now"
local now = nowMs()
-- Every agent record has last_seen: a hash without it (a leave of an id never seen) is none.
if redis.call('HEXISTS', KEYS[1], 'last_seen') == 0 then
  if ARGV[4] ~= '1' then
    return Code.NotFound
  end
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. (now - tonumber(ARGV[2]) * 1000))
  if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[5]) then
    return Code.TooManyAgents
  end
end
redis.call('HSETNX', KEYS[1], 'first_seen', now)
redis.call('HSET', KEYS[1], 'agent_id', ARGV[1], 'last_seen', now)
if ARGV[3] ~= '' and redis.call('HGET', KEYS[1], 'session_id') == ARGV[3] then
  redis.call('HSET', KEYS[1], 'session_seen', now)
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], now, ARGV[1])
return Code.Ok
