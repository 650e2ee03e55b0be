--[[ Read a request whole; when its addressee reads a request delivered to it, the read shows
  it is still at work on it, so the lease is renewed.
  KEYS[1] request hash   KEYS[2] lease zset
  ARGV[1] reader         ARGV[2] lease ms
  Returns the request hash as a flat array ({} when gone) ]]
--- @include "now"
--- @include "request"
local now = nowMs()
local f = redis.call('HMGET', KEYS[1], 'request_id', 'to_agent')
if f[1] and f[2] == ARGV[1] and stateOf(KEYS[1], now) == 'delivered' then
  local leaseUntil = now + tonumber(ARGV[2])
  redis.call('HSET', KEYS[1], 'lease_until', leaseUntil)
  redis.call('ZADD', KEYS[2], leaseUntil, f[1])
end
return redis.call('HGETALL', KEYS[1])
