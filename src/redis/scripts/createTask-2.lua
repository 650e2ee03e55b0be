--[[ Create a task on a board (the board with it, when new): available, and claimable at once
  unless some of its dependencies are not done yet. Every dependency must be a task of the
  same board. A new task cannot close a dependency cycle (nothing depends on an id not yet
  given out); updateTask checks cycles.
  KEYS[1] boards zset   KEYS[2] task id counter
  ARGV[1] task key prefix   ARGV[2] board key prefix   ARGV[3] events channel
  ARGV[4] board   ARGV[5] creator   ARGV[6] title   ARGV[7] description   ARGV[8] priority (1-10)
  ARGV[9] depends_on, a JSON array of distinct ids   ARGV[10] files, a JSON array   ARGV[11] hints
  ARGV[12] most tasks per board   ARGV[13] most boards
  Returns {Code.Ok, task view}, {Code.TooManyBoards, boards}, {Code.BoardFull, tasks},
  {Code.UnknownDependency, the id} ]]
--- @include "now"
--- @include "task"
local now = nowMs()
local board = ARGV[4]
if not redis.call('ZSCORE', KEYS[1], board) then
  local boards = redis.call('ZCARD', KEYS[1])
  if boards >= tonumber(ARGV[13]) then
    return { Code.TooManyBoards, boards }
  end
end
local held = redis.call('ZCARD', boardIndex(board, 'tasks'))
if held >= tonumber(ARGV[12]) then
  return { Code.BoardFull, held }
end
local deps = cjson.decode(ARGV[9])
for _, dep in ipairs(deps) do
  if redis.call('HGET', taskKey(dep), 'board') ~= board then
    return { Code.UnknownDependency, dep }
  end
end
local seq = redis.call('INCR', KEYS[2])
local id = 'task-' .. seq
redis.call('HSET', taskKey(id),
  'task_id', id, 'board', board, 'title', ARGV[6], 'description', ARGV[7], 'priority', ARGV[8],
  'depends_on', ARGV[9], 'files', ARGV[10], 'hints', ARGV[11], 'status', 'available',
  'attempts', 0, 'created_by', ARGV[5], 'created_at', now, 'seq', seq)
addDependencies(id, deps)
redis.call('ZADD', boardIndex(board, 'tasks'), seq, id)
redis.call('ZADD', boardIndex(board, 'available'), seq, id)
redis.call('ZADD', KEYS[1], now, board)
refreshReady(board, id)
return { Code.Ok, taskView(id) }
