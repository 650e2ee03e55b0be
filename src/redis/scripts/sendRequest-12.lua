--[[ Queue a request in the target's inbox, record it in its conversation, wake the target.
  With ARGV[11] '1' (the caller's process holds a blocked wait of the target's) and nothing
  older queued, deliver it at once instead, for the caller to hand to that wait, and wake no one.
  A send whose dedupe key names a request still open (any state, for an idempotency key) with
  the same fingerprint returns that request instead of storing a second copy, even into a full
  inbox. A new request needs room in the target's inbox: fewer than ARGV[16] requests and at
  most ARGV[17] bytes of message and context with it; expired requests at the inbox's head (it
  is ordered by creation) leave first. And the sender needs a token from its bucket (ARGV[18]
  tokens, refilled at ARGV[18] a minute), which only a stored request spends.
  KEYS[1] target agent hash   KEYS[2] request hash        KEYS[3] target queued zset
  KEYS[4] target pending zset KEYS[5] conversation hash   KEYS[6] conversation members set
  KEYS[7] conversation turns  KEYS[8] sequence counter    KEYS[9] dedupe key
  KEYS[10] lease zset         KEYS[11] target inbox bytes KEYS[12] sender's send bucket
  ARGV[1] request id   ARGV[2] conversation id   ARGV[3] '1' to start that conversation
  ARGV[4] sender       ARGV[5] target            ARGV[6] message   ARGV[7] context ('' none)
  ARGV[8] TTL seconds  ARGV[9] seconds to keep the request past its TTL, for status reads
  ARGV[10] events channel   ARGV[11] '1' to deliver at once if it can   ARGV[12] lease ms
  ARGV[13] fingerprint of target, conversation, message and context
  ARGV[14] '1' when the dedupe key is the sender's idempotency key   ARGV[15] request key prefix
  ARGV[16] most requests in an inbox   ARGV[17] most bytes in an inbox
  ARGV[18] sends per minute
  Returns {Code.Ok, request id, conversation id, created_at ms, target last_seen,
           target left_at or '', the delivered request as a flat array or false},
  {Code.Duplicate, the same for the earlier request, with its state last},
  {Code.SendRateExceeded, ms until a token}, {Code.InboxFull, requests in the inbox},
  {Code.InboxBytesFull, bytes in the inbox},
  Code.UnknownTarget, Code.NoConversation, Code.NotParticipant, Code.KeyReused ]]
--- @include "now"
--- @include "request"
--- @include "inbox"
--- @include "send-bucket"
local now = nowMs()
-- Every agent record has last_seen (touchAgent writes it first): without it there is no agent.
local target = redis.call('HMGET', KEYS[1], 'last_seen', 'left_at')
if not target[1] then
  return Code.UnknownTarget
end
local earlier = redis.call('GET', KEYS[9])
if earlier then
  local key = ARGV[15] .. earlier
  local state = stateOf(key, now)
  local f = redis.call('HMGET', key, 'fingerprint', 'conversation_id', 'created_at')
  local open = state == 'queued' or state == 'delivered'
  if state and f[1] == ARGV[13] and (open or ARGV[14] == '1') then
    return { Code.Duplicate, earlier, f[2], f[3], target[1], target[2] or '', state }
  end
  if state and ARGV[14] == '1' then
    return Code.KeyReused
  end
end
if ARGV[3] ~= '1' then
  if redis.call('EXISTS', KEYS[5]) == 0 then
    return Code.NoConversation
  end
  if redis.call('SISMEMBER', KEYS[6], ARGV[4]) == 0 then
    return Code.NotParticipant
  end
end
-- A token in the sender's bucket, refilled continuously since it was last spent.
local perMinute = tonumber(ARGV[18])
local tokens = bucketTokens(KEYS[12], perMinute, now)
if tokens < 1 then
  return { Code.SendRateExceeded, msUntilToken(tokens, perMinute) }
end
-- Room in the target's inbox: expired requests at its head (the oldest) make way first.
local bytes = #ARGV[6] + #ARGV[7]
local maxRequests, maxBytes = tonumber(ARGV[16]), tonumber(ARGV[17])
local function inboxBytes()
  return tonumber(redis.call('HGET', KEYS[11], 'total') or '0')
end
while redis.call('ZCARD', KEYS[4]) >= maxRequests or inboxBytes() + bytes > maxBytes do
  local head = redis.call('ZRANGE', KEYS[4], 0, 0)[1]
  local state = head and stateOf(ARGV[15] .. head, now)
  if not head or state == 'queued' or state == 'delivered' then
    break
  end
  removeFromInbox(KEYS[4], KEYS[11], head)
  redis.call('ZREM', KEYS[3], head)
end
local inboxed = redis.call('ZCARD', KEYS[4])
if inboxed >= maxRequests then
  return { Code.InboxFull, inboxed }
end
if inboxBytes() + bytes > maxBytes then
  return { Code.InboxBytesFull, inboxBytes() }
end
if ARGV[3] == '1' then
  redis.call('HSET', KEYS[5], 'conversation_id', ARGV[2], 'started_by', ARGV[4])
end
spendToken(KEYS[12], tokens, now)
local seq = redis.call('INCR', KEYS[8])
local ttl = tonumber(ARGV[8])
redis.call('HSET', KEYS[2],
  'request_id', ARGV[1], 'conversation_id', ARGV[2], 'from_agent', ARGV[4],
  'to_agent', ARGV[5], 'message', ARGV[6], 'context', ARGV[7], 'state', 'queued',
  'created_at', now, 'expires_at', now + ttl * 1000, 'seq', seq, 'delivery_count', 0,
  'fingerprint', ARGV[13])
redis.call('EXPIRE', KEYS[2], ttl + tonumber(ARGV[9]))
redis.call('SET', KEYS[9], ARGV[1], 'EX', ttl)
local deliverNow = ARGV[11] == '1' and redis.call('ZCARD', KEYS[3]) == 0
if deliverNow then
  deliver(KEYS[2], ARGV[1], now, tonumber(ARGV[12]), KEYS[10])
else
  redis.call('ZADD', KEYS[3], seq, ARGV[1])
end
addToInbox(KEYS[4], KEYS[11], ARGV[1], seq, bytes, ttl)
redis.call('SADD', KEYS[6], ARGV[4], ARGV[5])
redis.call('RPUSH', KEYS[7], ARGV[1])
for i = 3, 7 do
  redis.call('EXPIRE', KEYS[i], ttl)
end
if not deliverNow then
  redis.call('PUBLISH', ARGV[10], Topic.request .. ARGV[5])
end
return { Code.Ok, ARGV[1], ARGV[2], now, target[1], target[2] or '',
  deliverNow and redis.call('HGETALL', KEYS[2]) or false }
