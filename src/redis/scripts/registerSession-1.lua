--[[ Attach profile fields and a Claude Code session to an agent record.
  KEYS[1] agent hash (already touched by this call)
  ARGV[1] session id, or '' for none   ARGV[2] how long a session counts as live after its last activity, in ms
  ARGV[3..] field, value pairs to set (description, capabilities)
  Returns {previous session id, its last activity in ms} when another session that has not
  ended was active within the window, else {} ]]
local t = redis.call('TIME')
local now = t[1] .. string.format('%03d', math.floor(t[2] / 1000))
local result = {}
if ARGV[1] ~= '' then
  local previous = redis.call('HMGET', KEYS[1], 'session_id', 'session_seen')
  if previous[1] and previous[1] ~= ARGV[1] and tonumber(previous[2]) >= tonumber(now) - tonumber(ARGV[2]) then
    result = { previous[1], previous[2] }
  end
  redis.call('HSET', KEYS[1], 'session_id', ARGV[1], 'session_seen', now)
  redis.call('HDEL', KEYS[1], 'left_at')
end
if #ARGV > 2 then
  redis.call('HSET', KEYS[1], unpack(ARGV, 3))
end
return result
