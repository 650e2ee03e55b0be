--[[ An operator's second chance for a dead letter: queued again with a fresh delivery count.
  KEYS[1] request hash   KEYS[2] addressee's queued zset   KEYS[3] addressee's pending zset
  KEYS[4] dead-letter zset   KEYS[5] addressee's inbox bytes
  ARGV[1] request id     ARGV[2] events channel            ARGV[3] TTL seconds
  Returns Code.Ok, Code.NotFound, Code.NotDeadLetter ]]
--- @include "now"
--- @include "request"
--- @include "inbox"
local state = stateOf(KEYS[1], nowMs())
if not state then
  return Code.NotFound
end
if state ~= 'undeliverable' then
  return Code.NotDeadLetter
end
local f = redis.call('HMGET', KEYS[1], 'to_agent', 'seq')
redis.call('HSET', KEYS[1], 'state', 'queued', 'delivery_count', 0)
redis.call('HDEL', KEYS[1], 'undeliverable_at')
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('ZADD', KEYS[2], f[2], ARGV[1])
addToInbox(KEYS[3], KEYS[5], ARGV[1], f[2],
  redis.call('HSTRLEN', KEYS[1], 'message') + redis.call('HSTRLEN', KEYS[1], 'context'), ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('PUBLISH', ARGV[2], Topic.request .. f[1])
return Code.Ok
