--[[ Rank the findings by how many of the query's words each holds (in its text, tags or file
  paths), the best first, then the newest; with tags, only findings carrying every one of them.
  An empty query ranks none above another: the newest first. Scans every kept finding (addFinding
  keeps at most C3PO_MAX_FINDINGS), reading two short fields of each.
  KEYS[1] findings zset (ids by sequence number)
  ARGV[1] finding key prefix   ARGV[2] query words, one per line (unique, lowercase)
  ARGV[3] tags, one per line (lowercase)   ARGV[4] page size
  ARGV[5] most bytes of text in the page: it ends before the first finding that would pass
          them (the best one always fits)
  Returns {findings that match, {finding as a flat hash with a field score…} (the best page)} ]]
--- @include "page"
--- @include "lines"
local words, tags, limit = splitLines(ARGV[2]), splitLines(ARGV[3]), tonumber(ARGV[4])
local ids = redis.call('ZREVRANGE', KEYS[1], 0, -1)
local matches = {}
for rank, id in ipairs(ids) do
  local fields = redis.call('HMGET', ARGV[1] .. id, 'words', 'tag_index')
  local ownWords, ownTags = fields[1], fields[2]
  if ownWords then
    local tagged = true
    for _, tag in ipairs(tags) do
      if not string.find(ownTags, ' ' .. tag .. ' ', 1, true) then
        tagged = false
        break
      end
    end
    if tagged then
      local score = 0
      for _, word in ipairs(words) do
        if string.find(ownWords, ' ' .. word .. ' ', 1, true) then
          score = score + 1
        end
      end
      if score > 0 or #words == 0 then
        matches[#matches + 1] = { id = id, score = score, rank = rank }
      end
    end
  end
end
-- `rank` orders the newest first among equals (table.sort is not stable).
table.sort(matches, function(a, b)
  if a.score ~= b.score then
    return a.score > b.score
  end
  return a.rank < b.rank
end)
local page, used = {}, 0
for i = 1, math.min(limit, #matches) do
  local finding = redis.call('HMGET', ARGV[1] .. matches[i].id, 'id', 'author', 'text', 'tags', 'files', 'created_at')
  local entry = { 'id', finding[1], 'author', finding[2], 'text', finding[3], 'tags', finding[4], 'files', finding[5],
    'created_at', finding[6], 'score', matches[i].score }
  local fits, bytes = fitsPage(entry, #page, used, tonumber(ARGV[5]))
  if not fits then
    break
  end
  page[i], used = entry, used + bytes
end
return { #matches, page }
