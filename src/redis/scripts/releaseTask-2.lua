--[[ Give a claimed task back: only its assignee. Available again (attempts kept), and
  claimable unless it waits for something (its board's waits are woken).
  KEYS[1] task lease zset   KEYS[2] boards zset
  ARGV[1] task key prefix   ARGV[2] board key prefix   ARGV[3] events channel
  ARGV[4] board   ARGV[5] task id   ARGV[6] agent
  Returns {Code.Ok, task view}, Code.TaskNotFound, Code.TaskDone, Code.TaskFailed,
  Code.TaskNotClaimed, {Code.NotAssignee, assignee} ]]
--- @include "now"
--- @include "task"
local now = nowMs()
local board, id = ARGV[4], ARGV[5]
local refusal = notOwnClaim(board, id, ARGV[6])
if refusal then
  return refusal
end
makeAvailable(board, id, KEYS[1], false)
redis.call('ZADD', KEYS[2], now, board)
return { Code.Ok, taskView(id) }
