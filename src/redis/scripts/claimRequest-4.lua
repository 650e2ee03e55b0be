--[[ Hand the oldest queued request to a waiting addressee: delivered and leased to it.
  KEYS[1] addressee's queued zset   KEYS[2] addressee's pending zset   KEYS[3] lease zset
  KEYS[4] addressee's inbox bytes
  ARGV[1] request key prefix (request hashes share the keys' hash tag; ids come from the zset)
  ARGV[2] lease ms
  Returns {request hash as a flat array, or false when nothing is queued,
           number of expired requests dropped on the way} ]]
--- @include "now"
--- @include "request"
--- @include "inbox"
local now = nowMs()
local expired = 0
while true do
  local popped = redis.call('ZPOPMIN', KEYS[1])
  if #popped == 0 then
    return { false, expired }
  end
  local id = popped[1]
  local key = ARGV[1] .. id
  local state = stateOf(key, now)
  if state == 'queued' then
    deliver(key, id, now, tonumber(ARGV[2]), KEYS[3])
    return { redis.call('HGETALL', key), expired }
  end
  if state == nil or state == 'expired' then
    removeFromInbox(KEYS[2], KEYS[4], id)
    expired = expired + 1
  end
end
