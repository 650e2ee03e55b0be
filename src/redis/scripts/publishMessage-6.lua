--[[ Publish a message: store it once, put it in each recipient's mailbox and wake them, and
  add it to the timeline. Recipients: the addressee (mode 'to'), every agent of the index seen
  within the record TTL (mode 'all'), or the topic's subscribers whose records still exist
  (mode 'topic'; the others leave the topic); never the sender. A full mailbox refuses a
  message to its agent alone (Code.MailboxFull) and is skipped by one to many, counted.
  The sender spends one token of its send bucket, as for a request; a refusal spends none.
  KEYS[1] message sequence   KEYS[2] timeline zset   KEYS[3] agent index
  KEYS[4] sender's (payer's) send bucket
  KEYS[5] addressee's agent hash (mode 'to'; else unused)
  KEYS[6] topic's subscribers set (mode 'topic'; else unused)
  ARGV[1] sender   ARGV[2] mode: 'to', 'all' or 'topic'   ARGV[3] addressee, '*' or topic
  ARGV[4] type   ARGV[5] subject   ARGV[6] body   ARGV[7] priority 1-10   ARGV[8] TTL seconds
  ARGV[9] correlation id or ''   ARGV[10] '1' when an ack is required
  ARGV[11] message key prefix   ARGV[12] mailbox prefix   ARGV[13] mailbox expiry prefix
  ARGV[14] agent key prefix   ARGV[15] agent subscriptions prefix
  ARGV[16] agent record TTL seconds (older index entries are expired records)
  ARGV[17] most messages in a mailbox   ARGV[18] most timeline entries
  ARGV[19] sends per minute   ARGV[20] events channel
  Returns {Code.Ok, id, created_at ms, expires_at ms, recipients delivered to, mailboxes
           skipped as full, expired messages dropped from mailboxes on the way},
  {Code.SendRateExceeded, ms until a token}, {Code.MailboxFull, messages in it},
  Code.UnknownTarget ]]
--- @include "now"
--- @include "mailbox"
--- @include "send-bucket"
local now = nowMs()
local sender, mode, to = ARGV[1], ARGV[2], ARGV[3]
local most = tonumber(ARGV[17])
local recordTtlS = tonumber(ARGV[16])
local expired = 0

-- Who gets it, before anything is spent or stored.
local recipients = {}
if mode == 'to' then
  -- Every agent record has last_seen (touchAgent writes it first): without it there is no agent.
  if not redis.call('HGET', KEYS[5], 'last_seen') then
    return Code.UnknownTarget
  end
  recipients[1] = to
elseif mode == 'all' then
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], now - recordTtlS * 1000, '+inf')) do
    if id ~= sender then
      recipients[#recipients + 1] = id
    end
  end
else
  for _, id in ipairs(redis.call('SMEMBERS', KEYS[6])) do
    if not redis.call('HGET', ARGV[14] .. id, 'last_seen') then
      -- The subscriber's record expired: it leaves the topic, and its subscriptions go.
      redis.call('SREM', KEYS[6], id)
      redis.call('DEL', ARGV[15] .. id)
    elseif id ~= sender then
      recipients[#recipients + 1] = id
      redis.call('EXPIRE', ARGV[15] .. id, recordTtlS)
    end
  end
  if redis.call('EXISTS', KEYS[6]) == 1 then
    redis.call('EXPIRE', KEYS[6], recordTtlS)
  end
end

local perMinute = tonumber(ARGV[19])
local tokens = bucketTokens(KEYS[4], perMinute, now)
if tokens < 1 then
  return { Code.SendRateExceeded, msUntilToken(tokens, perMinute) }
end
if mode == 'to' then
  local room, count, dropped = mailboxRoom(ARGV[12] .. to, ARGV[13] .. to, most, now)
  expired = expired + dropped
  if not room then
    return { Code.MailboxFull, count }
  end
end
spendToken(KEYS[4], tokens, now)

local seq = redis.call('INCR', KEYS[1])
local id = 'msg-' .. seq
local key = ARGV[11] .. id
local rcptKey = key .. ':rcpt'
local priority = tonumber(ARGV[7])
local expiresAt = now + tonumber(ARGV[8]) * 1000
local score = mailboxScore(priority, seq)
local delivered, skipped = 0, 0
for _, agent in ipairs(recipients) do
  local box, exp = ARGV[12] .. agent, ARGV[13] .. agent
  local room, _, dropped = mailboxRoom(box, exp, most, now)
  expired = expired + dropped
  if room then
    addToMailbox(box, exp, id, score, expiresAt)
    redis.call('HSET', rcptKey, agent, 'new')
    redis.call('PUBLISH', ARGV[20], Topic.message .. agent)
    delivered = delivered + 1
  else
    skipped = skipped + 1
  end
end
redis.call('HSET', key,
  'id', id, 'from', sender, 'to', mode == 'topic' and '' or to, 'topic', mode == 'topic' and to or '',
  'type', ARGV[4], 'subject', ARGV[5], 'body', ARGV[6], 'priority', priority,
  'created_at', now, 'expires_at', expiresAt, 'correlation_id', ARGV[9], 'ack_required', ARGV[10],
  'seq', seq, 'delivered_to', delivered, 'skipped_full', skipped)
redis.call('PEXPIREAT', key, expiresAt)
if delivered > 0 then
  redis.call('PEXPIREAT', rcptKey, expiresAt)
end
redis.call('ZADD', KEYS[2], seq, id)
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[18]) + 1))
return { Code.Ok, id, now, expiresAt, delivered, skipped, expired }
