--[[ Every agent seen within the record TTL, most recently seen first, with the server time.
  KEYS[1] agent index (zset scored by last_seen)
  ARGV[1] horizon in ms: index entries seen before it are dropped (their records expired)
  ARGV[2] agent key prefix (agent hashes share the keys' hash tag; ids come from the index)
  Returns {now in ms, agent hash as a flat array, ...} ]]
--- @include "now"
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
local ids = redis.call('ZREVRANGE', KEYS[1], 0, -1)
local out = { nowMs() }
for _, id in ipairs(ids) do
  local record = redis.call('HGETALL', ARGV[2] .. id)
  if #record > 0 then
    out[#out + 1] = record
  end
end
return out
