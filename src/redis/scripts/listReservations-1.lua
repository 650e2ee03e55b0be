--[[ A page of the live reservations, by pattern then agent: all of them, an agent's, or those
  overlapping a path or glob (a folder's path lists what is reserved inside it too).
  KEYS[1] reservations hash (listing drops nothing: lapsed ones are skipped)
  ARGV[1] agent or ''   ARGV[2] normalized path or glob, or ''
  ARGV[3] cursor: `<pattern>\n<agent>` of the previous page's last reservation, or ''
  ARGV[4] page size
  Returns {reservations that match, {reservation…} (a page), next cursor or ''}
  (a reservation: {agent, pattern, '1' or '0' exclusive, reason, created_at, expires_at}) ]]
--- @include "now"
--- @include "glob"
--- @include "reservations"
local now = nowMs()
local agent, path, cursor, limit = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local matching = {}
for _, record in ipairs(liveReservations(KEYS[1], now)) do
  if (agent == '' or record.agent == agent) and (path == '' or patternsOverlap(path, record.pattern)) then
    record.order = record.pattern .. '\n' .. record.agent
    matching[#matching + 1] = record
  end
end
table.sort(matching, function(a, b)
  return a.order < b.order
end)
local page, last = {}, nil
for _, record in ipairs(matching) do
  if record.order > cursor then
    if #page == limit then
      return { #matching, page, last }
    end
    page[#page + 1] = reservationReply(record)
    last = record.order
  end
end
return { #matching, page, '' }
