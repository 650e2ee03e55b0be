--[[ Set a board's goal and plan (the board with them, when new).
  KEYS[1] board hash   KEYS[2] boards zset
  ARGV[1] board   ARGV[2] goal   ARGV[3] plan   ARGV[4] agent   ARGV[5] most boards
  Returns {Code.Ok, updated_at ms}, {Code.TooManyBoards, boards} ]]
--- @include "now"
local now = nowMs()
if not redis.call('ZSCORE', KEYS[2], ARGV[1]) then
  local boards = redis.call('ZCARD', KEYS[2])
  if boards >= tonumber(ARGV[5]) then
    return { Code.TooManyBoards, boards }
  end
end
redis.call('HSET', KEYS[1], 'goal', ARGV[2], 'plan', ARGV[3], 'updated_at', now, 'updated_by', ARGV[4])
redis.call('ZADD', KEYS[2], now, ARGV[1])
return { Code.Ok, now }
