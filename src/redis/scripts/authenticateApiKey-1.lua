--[[ Find the API key with this hash and note that it was used.
  KEYS[1] key ids by hash
  ARGV[1] SHA-256 of the presented key (hex)   ARGV[2] key record prefix
  ARGV[3] ms between last_used_at writes: a key used all the time is not rewritten on every call
  Returns {id, name, agent_pattern}, or false for no such key ]]
--- @include "now"
local id = redis.call('HGET', KEYS[1], ARGV[1])
if not id then
  return false
end
local record = ARGV[2] .. id
local f = redis.call('HMGET', record, 'name', 'agent_pattern', 'last_used_at')
if not f[1] then
  return false
end
local now = nowMs()
if not f[3] or tonumber(f[3]) <= now - tonumber(ARGV[3]) then
  redis.call('HSET', record, 'last_used_at', now)
end
return { id, f[1], f[2] }
