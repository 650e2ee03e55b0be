-- A mailbox is two zsets of the same message ids, changed together here only: the mailbox by
-- priority (10 first) then publication order, which is the order check_messages reads, and its
-- expiry index by when each message expires, so that expired messages leave without a scan.

-- The mailbox score: priority first (10 lowest), then the message number.
local function mailboxScore(priority, seq)
  return (10 - tonumber(priority)) * 1e12 + tonumber(seq)
end

-- Longest a message lives (7 days): a mailbox outlives its newest message by at most this.
local MESSAGE_TTL_MAX_S = 7 * 24 * 3600

local function addToMailbox(box, exp, id, score, expiresAt)
  redis.call('ZADD', box, score, id)
  redis.call('ZADD', exp, expiresAt, id)
  redis.call('EXPIRE', box, MESSAGE_TTL_MAX_S)
  redis.call('EXPIRE', exp, MESSAGE_TTL_MAX_S)
end

local function removeFromMailbox(box, exp, id)
  redis.call('ZREM', box, id)
  redis.call('ZREM', exp, id)
end

-- Drops the messages expired by now; returns how many.
local function dropExpired(box, exp, now)
  local gone = redis.call('ZRANGEBYSCORE', exp, '-inf', now)
  for _, id in ipairs(gone) do
    redis.call('ZREM', box, id)
  end
  if #gone > 0 then
    redis.call('ZREMRANGEBYSCORE', exp, '-inf', now)
  end
  return #gone
end

-- Whether the mailbox has room for one more, expired messages dropped first when it looks
-- full; returns that, the messages in it, and how many expired ones were dropped.
local function mailboxRoom(box, exp, most, now)
  local count = redis.call('ZCARD', box)
  local dropped = 0
  if count >= most then
    dropped = dropExpired(box, exp, now)
    count = count - dropped
  end
  return count < most, count, dropped
end
