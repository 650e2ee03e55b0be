--[[ Queue a request in the target's inbox, record it in its conversation, wake the target.
  With ARGV[10] '1' (the caller's process holds a blocked wait of the target's) and nothing
  older queued, deliver it at once instead, for the caller to hand to that wait, and wake no one.
  KEYS[1] target agent hash   KEYS[2] request hash        KEYS[3] target queued zset
  KEYS[4] target pending zset KEYS[5] conversation hash   KEYS[6] conversation members set
  KEYS[7] conversation turns  KEYS[8] sequence counter
  ARGV[1] request id   ARGV[2] conversation id   ARGV[3] '1' to start that conversation
  ARGV[4] sender       ARGV[5] target            ARGV[6] message   ARGV[7] context ('' none)
  ARGV[8] TTL seconds  ARGV[9] events channel    ARGV[10] '1' to deliver at once if it can
  Returns {1, created_at ms, target last_seen, target left_at or '',
           the delivered request hash as a flat array, or false when it was queued},
  -1 target never seen, -2 no such conversation, -3 sender not in the conversation ]]
if redis.call('EXISTS', KEYS[1]) == 0 then
  return -1
end
if ARGV[3] == '1' then
  redis.call('HSET', KEYS[5], 'conversation_id', ARGV[2], 'started_by', ARGV[4])
else
  if redis.call('EXISTS', KEYS[5]) == 0 then
    return -2
  end
  if redis.call('SISMEMBER', KEYS[6], ARGV[4]) == 0 then
    return -3
  end
end
local t = redis.call('TIME')
local now = t[1] .. string.format('%03d', math.floor(t[2] / 1000))
local seq = redis.call('INCR', KEYS[8])
local deliver = ARGV[10] == '1' and redis.call('ZCARD', KEYS[3]) == 0
redis.call('HSET', KEYS[2],
  'request_id', ARGV[1], 'conversation_id', ARGV[2], 'from_agent', ARGV[4],
  'to_agent', ARGV[5], 'message', ARGV[6], 'context', ARGV[7],
  'state', 'queued', 'created_at', now)
if deliver then
  redis.call('HSET', KEYS[2], 'state', 'delivered', 'delivered_at', now)
end
redis.call('EXPIRE', KEYS[2], ARGV[8])
if not deliver then
  redis.call('ZADD', KEYS[3], seq, ARGV[1])
  redis.call('EXPIRE', KEYS[3], ARGV[8])
end
redis.call('ZADD', KEYS[4], seq, ARGV[1])
redis.call('EXPIRE', KEYS[4], ARGV[8])
redis.call('SADD', KEYS[6], ARGV[4], ARGV[5])
redis.call('RPUSH', KEYS[7], ARGV[1])
for i = 5, 7 do
  redis.call('EXPIRE', KEYS[i], ARGV[8])
end
if not deliver then
  redis.call('PUBLISH', ARGV[9], 'q:' .. ARGV[5])
end
local target = redis.call('HMGET', KEYS[1], 'last_seen', 'left_at')
return { 1, now, target[1] or '0', target[2] or '', deliver and redis.call('HGETALL', KEYS[2]) or false }
