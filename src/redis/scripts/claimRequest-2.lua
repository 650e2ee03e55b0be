--[[ Hand the oldest queued request to a waiting addressee, marking it delivered.
  KEYS[1] addressee's queued zset   KEYS[2] addressee's pending zset
  ARGV[1] request key prefix (request hashes share the keys' hash tag; ids come from the zset)
  Returns {request hash as a flat array, or false when nothing is queued,
           number of expired requests dropped on the way} ]]
local expired = 0
while true do
  local popped = redis.call('ZPOPMIN', KEYS[1])
  if #popped == 0 then
    return { false, expired }
  end
  local key = ARGV[1] .. popped[1]
  local state = redis.call('HGET', key, 'state')
  if state == 'queued' then
    local t = redis.call('TIME')
    local now = t[1] .. string.format('%03d', math.floor(t[2] / 1000))
    redis.call('HSET', key, 'state', 'delivered', 'delivered_at', now)
    return { redis.call('HGETALL', key), expired }
  end
  if not state then
    redis.call('ZREM', KEYS[2], popped[1])
    expired = expired + 1
  end
end
