--[[ Fail a task: only its assignee, only while claimed. With retry, and fewer than ARGV[9]
  claims so far, it is available again for another claim (attempts kept); else it is failed
  for good, for the board's leader to see (its dependents keep waiting).
  KEYS[1] task lease zset   KEYS[2] closed tasks zset   KEYS[3] boards zset   KEYS[4] task hash
  ARGV[1] task key prefix   ARGV[2] board key prefix   ARGV[3] events channel
  ARGV[4] board   ARGV[5] task id   ARGV[6] agent   ARGV[7] reason   ARGV[8] '1' to retry
  ARGV[9] most attempts
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
local attempts = tonumber(redis.call('HGET', KEYS[4], 'attempts'))
if ARGV[8] == '1' and attempts < tonumber(ARGV[9]) then
  makeAvailable(board, id, KEYS[1], ARGV[7])
else
  makeFailed(board, id, KEYS[1], KEYS[2], ARGV[7], now)
end
redis.call('ZADD', KEYS[3], now, board)
return { Code.Ok, taskView(id) }
