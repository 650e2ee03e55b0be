--[[ Store a finding in the bounded set of findings: past the most, the oldest leave first.
  KEYS[1] findings zset (ids by sequence number)   KEYS[2] findings sequence counter
  ARGV[1] finding key prefix   ARGV[2] author   ARGV[3] text
  ARGV[4] tags as a JSON array   ARGV[5] files as a JSON array
  ARGV[6] search words, ' word word … ' (unique, lowercase; of the text, tags and files)
  ARGV[7] tags, ' tag tag … '   ARGV[8] most findings kept
  Returns {id, created_at ms} ]]
--- @include "now"
local now = nowMs()
local sequence = redis.call('INCR', KEYS[2])
local id = 'finding-' .. sequence
redis.call('HSET', ARGV[1] .. id, 'id', id, 'author', ARGV[2], 'text', ARGV[3], 'tags', ARGV[4], 'files', ARGV[5],
  'created_at', now, 'words', ARGV[6], 'tag_index', ARGV[7])
redis.call('ZADD', KEYS[1], sequence, id)
local excess = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[8])
if excess > 0 then
  local oldest = redis.call('ZPOPMIN', KEYS[1], excess)
  for i = 1, #oldest, 2 do
    redis.call('DEL', ARGV[1] .. oldest[i])
  end
end
return { id, now }
