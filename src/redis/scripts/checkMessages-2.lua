--[[ One page of an agent's mailbox, in mailbox order (priority, then publication), filtered.
  Unless only peeking, what the page returns is delivered: a message that needs no ack leaves
  the mailbox (so it is returned exactly once), one that needs an ack stays, marked shown,
  until acked. Expired messages are dropped first, counted. At most ARGV[5] entries are looked
  at per call; past them, or past a full page, the next cursor says where to go on.
  KEYS[1] agent's mailbox   KEYS[2] agent's mailbox expiry index
  ARGV[1] message key prefix   ARGV[2] the agent
  ARGV[3] cursor: the mailbox score after which to start, '' from the first
  ARGV[4] page size   ARGV[5] most entries looked at
  ARGV[6] from, or '' any   ARGV[7] type, or '' any   ARGV[8] topic, or '' any
  ARGV[9] created at or after this epoch ms   ARGV[10] '1': only messages awaiting an ack
  ARGV[11] '1' to only peek (nothing removed or marked shown)
  ARGV[12] most bytes of text in the page (the first message always fits); the next cursor
           resumes at the message that did not fit
  Returns {messages as {flat fields, '1' if shown before}, messages left in the mailbox,
           expired messages dropped, next cursor or ''} ]]
--- @include "now"
--- @include "mailbox"
--- @include "message"
--- @include "page"
--- @include "walk"
local now = nowMs()
local agent, limit, scanMax = ARGV[2], tonumber(ARGV[4]), tonumber(ARGV[5])
local since = tonumber(ARGV[9])
local peek = ARGV[11] == '1'
local expired = dropExpired(KEYS[1], KEYS[2], now)
local maxBytes = tonumber(ARGV[12])
local page, used = {}, 0
local cursor = walkPage(KEYS[1], ARGV[3], false, scanMax, function(id)
  local key = ARGV[1] .. id
  local flat, f = messageFlat(key)
  if not flat then
    -- Gone before its expiry index said so (a Redis that lost it): as good as expired.
    removeFromMailbox(KEYS[1], KEYS[2], id)
    expired = expired + 1
    return nil
  end
  if (ARGV[6] == '' or f[2] == ARGV[6]) and (ARGV[7] == '' or f[5] == ARGV[7])
      and (ARGV[8] == '' or f[4] == ARGV[8]) and tonumber(f[9]) >= since
      and (ARGV[10] ~= '1' or f[12] == '1') then
    -- Only what the page returns counts against its bytes: a large message the filter skips does not end it.
    local fits, bytes = fitsPage(flat, #page, used, maxBytes)
    if not fits then
      return 'next'
    end
    local rcptKey = key .. ':rcpt'
    local shown = redis.call('HGET', rcptKey, agent) == 'shown'
    if not peek then
      if f[12] == '1' then
        redis.call('HSET', rcptKey, agent, 'shown')
      else
        redis.call('HSET', rcptKey, agent, 'read')
        removeFromMailbox(KEYS[1], KEYS[2], id)
      end
    end
    page[#page + 1] = { flat, shown and '1' or '0' }
    used = used + bytes
    if #page == limit then
      return 'full'
    end
  end
  return nil
end)
return { page, redis.call('ZCARD', KEYS[1]), expired, cursor }
