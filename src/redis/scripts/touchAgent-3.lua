--[[ Record that an agent was seen now. Only with ARGV[4] '1' is a record created on first
  sight, and then only while the coordinator holds fewer than ARGV[5] agents seen within the
  record TTL (index entries older than that are dropped first: their records expired), and,
  for a call made with an API key, while that key has used fewer than ARGV[6] agent ids.
  KEYS[1] agent hash   KEYS[2] agent index (zset scored by last_seen)
  KEYS[3] agent ids the call's API key used (zset scored by last use); unused without a key
  ARGV[1] agent id     ARGV[2] record TTL in seconds
  ARGV[3] Claude Code session id making the call, or '': refreshes that session's activity
          when it is the session registered for the agent
  ARGV[4] '1' to create the record if there is none   ARGV[5] most agents
  ARGV[6] most agent ids per key, or 0 for a call without a key
  Returns Code.Ok (refreshed or created), Code.NotFound (no record, none created),
  Code.TooManyAgents, Code.TooManyAgentsForKey ]]
--- @include "now"
local now = nowMs()
local horizon = '(' .. (now - tonumber(ARGV[2]) * 1000)
local perKey = tonumber(ARGV[6])
-- Every agent record has last_seen: a hash without it (a leave of an id never seen) is none.
if redis.call('HEXISTS', KEYS[1], 'last_seen') == 0 then
  if ARGV[4] ~= '1' then
    return Code.NotFound
  end
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', horizon)
  if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[5]) then
    return Code.TooManyAgents
  end
  if perKey > 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', horizon)
    if redis.call('ZCARD', KEYS[3]) >= perKey and not redis.call('ZSCORE', KEYS[3], ARGV[1]) then
      return Code.TooManyAgentsForKey
    end
  end
end
redis.call('HSETNX', KEYS[1], 'first_seen', now)
redis.call('HSET', KEYS[1], 'agent_id', ARGV[1], 'last_seen', now)
if ARGV[3] ~= '' and redis.call('HGET', KEYS[1], 'session_id') == ARGV[3] then
  redis.call('HSET', KEYS[1], 'session_seen', now)
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], now, ARGV[1])
if perKey > 0 then
  redis.call('ZADD', KEYS[3], now, ARGV[1])
  redis.call('EXPIRE', KEYS[3], ARGV[2])
end
return Code.Ok
