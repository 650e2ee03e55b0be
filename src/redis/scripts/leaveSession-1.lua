--[[ Mark an agent offline because its Claude Code session ended.
  KEYS[1] agent hash
  ARGV[1] session id that ended, or '' for whichever
  Returns 1 marked offline, 0 another session owns the id now (left untouched) ]]
--- @include "now"
local current = redis.call('HGET', KEYS[1], 'session_id')
if ARGV[1] ~= '' and current and current ~= ARGV[1] then
  return 0
end
redis.call('HSET', KEYS[1], 'left_at', nowMs())
redis.call('HDEL', KEYS[1], 'session_id', 'session_seen')
return 1
