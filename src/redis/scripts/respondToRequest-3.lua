--[[ Record the answer to a request and wake its sender; only the addressee, only once.
  KEYS[1] request hash   KEYS[2] responder's pending zset   KEYS[3] responder's queued zset
  ARGV[1] request id     ARGV[2] responder   ARGV[3] response   ARGV[4] response status
  ARGV[5] events channel
  Returns {1, answered_at ms}, -1 no such request, -2 not addressed to responder,
  -3 already answered ]]
local request = redis.call('HMGET', KEYS[1], 'to_agent', 'state')
if not request[1] then
  return -1
end
if request[1] ~= ARGV[2] then
  return -2
end
if request[2] == 'answered' then
  return -3
end
local t = redis.call('TIME')
local now = t[1] .. string.format('%03d', math.floor(t[2] / 1000))
redis.call('HSET', KEYS[1], 'state', 'answered', 'answered_at', now,
  'response', ARGV[3], 'response_status', ARGV[4])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('PUBLISH', ARGV[5], 'a:' .. ARGV[1])
return { 1, now }
