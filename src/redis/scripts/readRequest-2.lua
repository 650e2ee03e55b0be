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
  renew(KEYS[1], f[1], now, tonumber(ARGV[2]), KEYS[2])
end
return redis.call('HGETALL', KEYS[1])
