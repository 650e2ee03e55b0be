--[[ Record the answer to a request and wake its sender; only the addressee, only once (the
  same answer again is accepted, so a retry after a lost reply succeeds).
  KEYS[1] request hash   KEYS[2] responder's pending zset   KEYS[3] responder's queued zset
  KEYS[4] lease zset     KEYS[5] dead-letter zset     KEYS[6] responder's inbox bytes
  ARGV[1] request id     ARGV[2] responder   ARGV[3] response   ARGV[4] response status
  ARGV[5] events channel   ARGV[6] key prefix of the senders' unread answers (the sender's
  id comes from the hash; keys share the hash tag)   ARGV[7] how long an unread answer is kept there, ms
  Returns {Code.Ok or Code.Duplicate, answered_at ms}, Code.NotFound, Code.NotAddressee,
  Code.AlreadyAnswered, Code.Cancelled, Code.Expired ]]
--- @include "now"
--- @include "request"
--- @include "inbox"
local now = nowMs()
local f = redis.call('HMGET', KEYS[1], 'to_agent', 'response', 'response_status', 'answered_at', 'from_agent')
if not f[1] then
  return Code.NotFound
end
if f[1] ~= ARGV[2] then
  return Code.NotAddressee
end
local state = stateOf(KEYS[1], now)
if state == 'answered' then
  if f[2] == ARGV[3] and f[3] == ARGV[4] then
    return { Code.Duplicate, f[4] }
  end
  return Code.AlreadyAnswered
end
if state == 'cancelled' then
  return Code.Cancelled
end
if state == 'expired' then
  return Code.Expired
end
redis.call('HSET', KEYS[1], 'state', 'answered', 'answered_at', now,
  'response', ARGV[3], 'response_status', ARGV[4])
redis.call('HDEL', KEYS[1], 'lease_until')
closeOpen(ARGV[1], KEYS[2], KEYS[6], KEYS[3], KEYS[4], KEYS[5])
redis.call('PUBLISH', ARGV[5], Topic.answer .. ARGV[1])
-- Indexed for the sender's push streams, which tell its session the answer is there.
local answers = ARGV[6] .. f[5]
redis.call('ZREMRANGEBYSCORE', answers, '-inf', '(' .. (now - tonumber(ARGV[7])))
redis.call('ZADD', answers, now, ARGV[1])
redis.call('PEXPIRE', answers, ARGV[7])
redis.call('PUBLISH', ARGV[5], Topic.response .. f[5])
return { Code.Ok, now }
