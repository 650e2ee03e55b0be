--[[ List every unanswered request addressed to an agent, oldest first.
  KEYS[1] addressee's pending zset   KEYS[2] addressee's queued zset
  ARGV[1] request key prefix (request hashes share the keys' hash tag; ids come from the zset)
  ARGV[2] '1' to mark queued requests delivered (the agent is now reading them), '0' to peek
  Returns {array of flat request hashes, ids of the requests delivered by this call,
           number of expired requests pruned} ]]
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
local requests, delivered, expired = {}, {}, 0
local now
for _, id in ipairs(ids) do
  local key = ARGV[1] .. id
  local state = redis.call('HGET', key, 'state')
  if not state or state == 'answered' then
    redis.call('ZREM', KEYS[1], id)
    redis.call('ZREM', KEYS[2], id)
    if not state then
      expired = expired + 1
    end
  else
    if ARGV[2] == '1' and state == 'queued' then
      if not now then
        local t = redis.call('TIME')
        now = t[1] .. string.format('%03d', math.floor(t[2] / 1000))
      end
      redis.call('HSET', key, 'state', 'delivered', 'delivered_at', now)
      redis.call('ZREM', KEYS[2], id)
      delivered[#delivered + 1] = id
    end
    requests[#requests + 1] = redis.call('HGETALL', key)
  end
end
return { requests, delivered, expired }
