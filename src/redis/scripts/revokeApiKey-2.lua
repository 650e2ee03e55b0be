--[[ Delete an API key, found by name or id, so that no process accepts it from now on.
  KEYS[1] key ids by name   KEYS[2] key ids by hash
  ARGV[1] name or id   ARGV[2] key record prefix (records share the keys' hash tag)
  Returns {Code.Ok, id, name, agent_pattern, revoked_at ms} or Code.NotFound ]]
--- @include "now"
local id = redis.call('HGET', KEYS[1], ARGV[1]) or ARGV[1]
local record = ARGV[2] .. id
local f = redis.call('HMGET', record, 'name', 'agent_pattern', 'hash')
if not f[1] then
  return Code.NotFound
end
redis.call('HDEL', KEYS[1], f[1])
redis.call('HDEL', KEYS[2], f[3])
redis.call('DEL', record)
return { Code.Ok, id, f[1], f[2], nowMs() }
