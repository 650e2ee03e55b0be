--[[ Complete a task: only its assignee, only while claimed (the same result again is accepted,
  so a retry after a lost reply succeeds). Each dependent no longer waits for it, and one with
  nothing left to wait for becomes claimable (its board's waits are woken).
  KEYS[1] task lease zset   KEYS[2] closed tasks zset   KEYS[3] boards zset   KEYS[4] task hash
  ARGV[1] task key prefix   ARGV[2] board key prefix   ARGV[3] events channel
  ARGV[4] board   ARGV[5] task id   ARGV[6] agent   ARGV[7] result
  Returns {Code.Ok or Code.Duplicate, task view}, Code.TaskNotFound, Code.TaskDone,
  Code.TaskFailed, Code.TaskNotClaimed, {Code.NotAssignee, assignee} ]]
--- @include "now"
--- @include "task"
local now = nowMs()
local board, id, agent = ARGV[4], ARGV[5], ARGV[6]
local f = redis.call('HMGET', KEYS[4], 'status', 'assignee', 'result')
if f[1] == 'done' and f[2] == agent and f[3] == ARGV[7] then
  return { Code.Duplicate, taskView(id) }
end
local refusal = notOwnClaim(board, id, agent)
if refusal then
  return refusal
end
redis.call('HSET', KEYS[4], 'status', 'done', 'completed_at', now, 'result', ARGV[7])
redis.call('HDEL', KEYS[4], 'lease_until')
moveStatus(board, id, 'claimed', 'done', redis.call('HGET', KEYS[4], 'seq'))
redis.call('ZREM', KEYS[1], id)
redis.call('ZADD', KEYS[2], now, id)
redis.call('ZADD', KEYS[3], now, board)
for _, dependent in ipairs(redis.call('SMEMBERS', dependentsKey(id))) do
  if redis.call('SREM', waitingKey(dependent), id) == 1 then
    refreshReady(board, dependent)
  end
end
return { Code.Ok, taskView(id) }
