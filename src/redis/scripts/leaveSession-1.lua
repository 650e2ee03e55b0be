--[[ Mark an agent offline because its Claude Code session ended.
  KEYS[1] agent hash
  ARGV[1] session id that ended, or '' for whichever
  Returns 1 marked offline, 0 no such agent, or another session owns the id now (left untouched) ]]
--- @include "now"
-- A leave creates nothing: a hash without last_seen (and TTL) would be no agent, only litter.
if redis.call('HEXISTS', KEYS[1], 'last_seen') == 0 then
  return 0
end
local current = redis.call('HGET', KEYS[1], 'session_id')
if ARGV[1] ~= '' and current and current ~= ARGV[1] then
  return 0
end
redis.call('HSET', KEYS[1], 'left_at', nowMs())
redis.call('HDEL', KEYS[1], 'session_id', 'session_seen')
return 1
