--[[ One page of the timeline as one agent may see it, newest first: broadcasts, topic
  messages, and the direct messages it sent or received, never others' direct messages.
  Filtered by type, sender and time; bodies cut to a preview. Its own messages carry how many
  got them and who acked (the first ARGV[10], with their comments); one it received and had to
  ack, when it acked. Entries whose message expired leave the timeline when met. At most
  ARGV[5] entries are looked at per call; past them, or past a full page, the next cursor says
  where to go on; a message older than ARGV[8] ends the walk.
  KEYS[1] timeline zset (message ids by number)
  ARGV[1] message key prefix   ARGV[2] the agent
  ARGV[3] cursor: the number below which to start, '' from the newest
  ARGV[4] page size   ARGV[5] most entries looked at   ARGV[6] type, or '' any
  ARGV[7] from, or '' any   ARGV[8] created at or after this epoch ms
  ARGV[9] most body bytes shown   ARGV[10] most ackers listed
  ARGV[11] most bytes of text in the page (the first entry always fits); the next cursor
           resumes at the entry that did not fit
  Returns {entries as {flat fields, body bytes, delivered_to or '', acks or '',
           ackers as {agent, acked_at ms, comment}, the agent's acked_at ms or ''},
           next cursor or ''} ]]
--- @include "message"
--- @include "utf8"
--- @include "walk"
--- @include "page"
local agent, limit, scanMax = ARGV[2], tonumber(ARGV[4]), tonumber(ARGV[5])
local since, preview, most = tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
local maxBytes = tonumber(ARGV[11])
local page, used = {}, 0
local cursor = walkPage(KEYS[1], ARGV[3], true, scanMax, function(id)
  local key = ARGV[1] .. id
  local flat, f = messageFlat(key)
  if not flat then
    redis.call('ZREM', KEYS[1], id)
    return nil
  end
  if tonumber(f[9]) < since then
    return 'end'
  end
  if (f[4] ~= '' or f[3] == '*' or f[2] == agent or f[3] == agent)
      and (ARGV[6] == '' or f[5] == ARGV[6]) and (ARGV[7] == '' or f[2] == ARGV[7]) then
    local bodyBytes = #f[7]
    flat[14] = cutUtf8(f[7], preview)
    local deliveredTo, acks, ackers, ackedAt = '', '', {}, ''
    if f[2] == agent then
      deliveredTo = redis.call('HGET', key, 'delivered_to') or '0'
      acks = redis.call('ZCARD', key .. ':acks')
      local first = redis.call('ZRANGE', key .. ':acks', 0, most - 1, 'WITHSCORES')
      for j = 1, #first, 2 do
        ackers[#ackers + 1] = { first[j], first[j + 1], redis.call('HGET', key .. ':ack-comments', first[j]) or '' }
      end
    elseif f[12] == '1' then
      ackedAt = redis.call('ZSCORE', key .. ':acks', agent) or ''
    end
    local entry = { flat, bodyBytes, deliveredTo, acks, ackers, ackedAt }
    local fits, bytes = fitsPage(entry, #page, used, maxBytes)
    if not fits then
      return 'next'
    end
    page[#page + 1], used = entry, used + bytes
    if #page == limit then
      return 'full'
    end
  end
  return nil
end)
return { page, cursor }
