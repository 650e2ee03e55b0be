--[[ Attach profile fields and a Claude Code session to an agent record.
  KEYS[1] agent hash (already touched by this call)
  ARGV[1] session id, or '' for none   ARGV[2] how long a session counts as live after its last activity, in ms
  ARGV[3] profile fields as a JSON object of strings (description, capabilities), '{}' for none
  Returns {previous session id, its last activity in ms} when another session that has not
  ended was active within the window, else {} ]]
--- @include "now"
local now = nowMs()
local result = {}
if ARGV[1] ~= '' then
  local previous = redis.call('HMGET', KEYS[1], 'session_id', 'session_seen')
  if previous[1] and previous[1] ~= ARGV[1] and tonumber(previous[2]) >= now - tonumber(ARGV[2]) then
    result = { previous[1], previous[2] }
  end
  redis.call('HSET', KEYS[1], 'session_id', ARGV[1], 'session_seen', now)
  redis.call('HDEL', KEYS[1], 'left_at')
end
for field, value in pairs(cjson.decode(ARGV[3])) do
  redis.call('HSET', KEYS[1], field, value)
end
return result
