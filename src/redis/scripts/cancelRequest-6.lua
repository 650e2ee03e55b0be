--[[ Withdraw a request: out of the addressee's inbox, its waits woken; only by its sender.
  Cancelling a cancelled request again succeeds.
  KEYS[1] request hash   KEYS[2] addressee's pending zset   KEYS[3] addressee's queued zset
  KEYS[4] lease zset     KEYS[5] dead-letter zset     KEYS[6] addressee's inbox bytes
  ARGV[1] request id     ARGV[2] sender      ARGV[3] events channel
  Returns {Code.Ok, cancelled_at ms}, Code.NotFound, Code.NotSender, Code.AlreadyAnswered,
  Code.Expired ]]
--- @include "now"
--- @include "request"
--- @include "inbox"
local now = nowMs()
local f = redis.call('HMGET', KEYS[1], 'from_agent', 'cancelled_at')
if not f[1] then
  return Code.NotFound
end
if f[1] ~= ARGV[2] then
  return Code.NotSender
end
local state = stateOf(KEYS[1], now)
if state == 'cancelled' then
  return { Code.Ok, f[2] }
end
if state == 'answered' then
  return Code.AlreadyAnswered
end
if state == 'expired' then
  return Code.Expired
end
redis.call('HSET', KEYS[1], 'state', 'cancelled', 'cancelled_at', now)
redis.call('HDEL', KEYS[1], 'lease_until')
closeOpen(ARGV[1], KEYS[2], KEYS[6], KEYS[3], KEYS[4], KEYS[5])
redis.call('PUBLISH', ARGV[3], Topic.answer .. ARGV[1])
return { Code.Ok, now }
