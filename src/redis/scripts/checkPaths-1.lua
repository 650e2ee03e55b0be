--[[ Which of the given file paths other agents' live reservations cover (shared ones too).
  KEYS[1] reservations hash (checking drops nothing: lapsed ones are skipped)
  ARGV[1] the asking agent, whose own reservations do not count
  ARGV[2] normalized paths, one per line, each taken literally   ARGV[3] most entries to return
  Returns {{path, reservation…}…}, in the order of the paths, then by pattern and agent
  (a reservation: {agent, pattern, '1' or '0' exclusive, reason, created_at, expires_at}) ]]
--- @include "now"
--- @include "glob"
--- @include "reservations"
--- @include "lines"
local now = nowMs()
local others = {}
for _, record in ipairs(liveReservations(KEYS[1], now)) do
  if record.agent ~= ARGV[1] then
    others[#others + 1] = record
  end
end
table.sort(others, function(a, b)
  return a.pattern .. '\n' .. a.agent < b.pattern .. '\n' .. b.agent
end)
local found, most = {}, tonumber(ARGV[3])
if #others > 0 then
  for _, path in ipairs(splitLines(ARGV[2])) do
    for _, record in ipairs(others) do
      if patternCovers(record.pattern, path) then
        if #found == most then
          return found
        end
        local entry = reservationReply(record)
        table.insert(entry, 1, path)
        found[#found + 1] = entry
      end
    end
  end
end
return found
