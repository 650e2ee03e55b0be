--[[ Acknowledge a message, once per recipient: record the ack (and its comment, cut) on the
  message, take the message out of the acker's mailbox, and put an ACK message in the sender's
  mailbox (priority of the acked one, correlation id its id, body the comment, no ack
  required; not on the timeline), waking the sender. A full sender's mailbox gets no ACK; the
  ack is recorded all the same. A repeated ack changes nothing and returns the first.
  KEYS[1] message hash   KEYS[2] its recipients hash   KEYS[3] its ackers zset
  KEYS[4] its ack comments hash   KEYS[5] acker's mailbox   KEYS[6] acker's mailbox expiry
  KEYS[7] message sequence
  ARGV[1] message id   ARGV[2] acker   ARGV[3] comment, or ''
  ARGV[4] message key prefix   ARGV[5] mailbox prefix   ARGV[6] mailbox expiry prefix
  ARGV[7] most messages in a mailbox   ARGV[8] TTL of the ACK message, seconds
  ARGV[9] events channel   ARGV[10] most bytes of a comment kept on the message
  Returns {Code.Ok, acked_at ms, acks so far, ACK message id or '' when the sender's mailbox
           was full}, {Code.Duplicate, first acked_at ms, acks so far, ''},
  Code.NotFound (gone: expired), Code.NotRecipient, Code.AckOfAck ]]
--- @include "now"
--- @include "mailbox"
--- @include "message"
--- @include "utf8"
local now = nowMs()
local id, acker, comment = ARGV[1], ARGV[2], ARGV[3]
local f = redis.call('HMGET', KEYS[1], 'from', 'type', 'subject', 'priority', 'expires_at')
if not f[1] then
  return Code.NotFound
end
if not redis.call('HGET', KEYS[2], acker) then
  return Code.NotRecipient
end
if f[2] == 'ACK' then
  return Code.AckOfAck
end
local first = redis.call('ZSCORE', KEYS[3], acker)
if first then
  return { Code.Duplicate, first, redis.call('ZCARD', KEYS[3]), '' }
end
redis.call('ZADD', KEYS[3], now, acker)
redis.call('PEXPIREAT', KEYS[3], f[5])
if comment ~= '' then
  redis.call('HSET', KEYS[4], acker, cutUtf8(comment, tonumber(ARGV[10])))
  redis.call('PEXPIREAT', KEYS[4], f[5])
end
redis.call('HSET', KEYS[2], acker, 'acked')
removeFromMailbox(KEYS[5], KEYS[6], id)

local sender = f[1]
local box, exp = ARGV[5] .. sender, ARGV[6] .. sender
local ackId = ''
if mailboxRoom(box, exp, tonumber(ARGV[7]), now) then
  local seq = redis.call('INCR', KEYS[7])
  ackId = 'msg-' .. seq
  local key = ARGV[4] .. ackId
  local expiresAt = now + tonumber(ARGV[8]) * 1000
  redis.call('HSET', key,
    'id', ackId, 'from', acker, 'to', sender, 'topic', '', 'type', 'ACK', 'subject', 'ACK: ' .. f[3],
    'body', comment, 'priority', f[4], 'created_at', now, 'expires_at', expiresAt,
    'correlation_id', id, 'ack_required', '0', 'seq', seq, 'delivered_to', 1, 'skipped_full', 0)
  redis.call('PEXPIREAT', key, expiresAt)
  redis.call('HSET', key .. ':rcpt', sender, 'new')
  redis.call('PEXPIREAT', key .. ':rcpt', expiresAt)
  addToMailbox(box, exp, ackId, mailboxScore(f[4], seq), expiresAt)
  redis.call('PUBLISH', ARGV[9], Topic.message .. sender)
end
return { Code.Ok, now, redis.call('ZCARD', KEYS[3]), ackId }
