--[[ Put back a request that sendRequest delivered for a wait that was gone when it got there:
  queued again in its place, and the addressee's waits in every process woken.
  KEYS[1] request hash   KEYS[2] addressee's queued zset   KEYS[3] addressee's pending zset
  ARGV[1] request id     ARGV[2] addressee               ARGV[3] events channel
  ARGV[4] TTL seconds
  Returns 1 requeued, 0 no longer delivered and pending (answered or expired meanwhile) ]]
local seq = redis.call('ZSCORE', KEYS[3], ARGV[1])
if not seq or redis.call('HGET', KEYS[1], 'state') ~= 'delivered' then
  return 0
end
redis.call('HSET', KEYS[1], 'state', 'queued')
redis.call('HDEL', KEYS[1], 'delivered_at')
redis.call('ZADD', KEYS[2], seq, ARGV[1])
redis.call('EXPIRE', KEYS[2], ARGV[4])
redis.call('PUBLISH', ARGV[3], 'q:' .. ARGV[2])
return 1
