--[[ Undo a delivery its taker cannot keep (a wait gone when sendRequest's hand-off got there, or
  whose API key was revoked meanwhile): queued again in its place, not counted, and the
  addressee's waits in every process woken.
  KEYS[1] request hash   KEYS[2] addressee's queued zset   KEYS[3] lease zset
  ARGV[1] request id     ARGV[2] events channel            ARGV[3] TTL seconds
  Returns 1 requeued, 0 no longer delivered (answered, cancelled or expired meanwhile) ]]
--- @include "now"
--- @include "request"
if stateOf(KEYS[1], nowMs()) ~= 'delivered' then
  return 0
end
local f = redis.call('HMGET', KEYS[1], 'to_agent', 'seq')
redis.call('HSET', KEYS[1], 'state', 'queued')
redis.call('HDEL', KEYS[1], 'delivered_at', 'lease_until')
redis.call('HINCRBY', KEYS[1], 'delivery_count', -1)
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZADD', KEYS[2], f[2], ARGV[1])
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('PUBLISH', ARGV[2], Topic.request .. f[1])
return 1
