--[[ Store a new API key under a name no other key has.
  KEYS[1] key record hash   KEYS[2] key ids by name   KEYS[3] key ids by hash
  ARGV[1] key id   ARGV[2] name   ARGV[3] agent-id pattern   ARGV[4] SHA-256 of the key (hex)
  ARGV[5] most keys the coordinator keeps
  Returns {Code.Ok, created_at ms}, Code.NameTaken or Code.TooManyKeys ]]
--- @include "now"
if redis.call('HEXISTS', KEYS[2], ARGV[2]) == 1 then
  return Code.NameTaken
end
if redis.call('HLEN', KEYS[2]) >= tonumber(ARGV[5]) then
  return Code.TooManyKeys
end
local now = nowMs()
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'name', ARGV[2], 'agent_pattern', ARGV[3], 'hash', ARGV[4],
  'created_at', now)
redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
redis.call('HSET', KEYS[3], ARGV[4], ARGV[1])
return { Code.Ok, now }
