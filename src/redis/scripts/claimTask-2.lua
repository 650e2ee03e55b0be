--[[ Claim a task of a board for an agent: the named one if it is claimable, else (no id) the
  most urgent, then oldest, claimable one. Claimed, leased to the agent, its attempts counted.
  One script, so of any number of racing claims exactly one wins a task.
  KEYS[1] task lease zset   KEYS[2] boards zset
  ARGV[1] task key prefix   ARGV[2] board key prefix   ARGV[3] events channel
  ARGV[4] board   ARGV[5] task id, or '' for the best claimable one   ARGV[6] agent
  ARGV[7] lease ms
  Returns {Code.Ok, task view}, {Code.Ok, false} (no id, nothing claimable),
  Code.TaskNotFound, {Code.TaskClaimed, assignee}, Code.TaskDone, Code.TaskFailed,
  {Code.TaskWaiting, dependencies not done} ]]
--- @include "now"
--- @include "task"
local now = nowMs()
local board, id = ARGV[4], ARGV[5]
if id == '' then
  id = redis.call('ZRANGE', boardIndex(board, 'ready'), 0, 0)[1]
  if not id then
    return { Code.Ok, false }
  end
else
  local f = redis.call('HMGET', taskKey(id), 'board', 'status', 'assignee')
  local refusal = missingOrDone(board, f)
  if refusal then
    return refusal
  end
  if f[2] == 'claimed' then
    return { Code.TaskClaimed, f[3] }
  end
  if f[2] == 'failed' then
    return Code.TaskFailed
  end
  local waiting = redis.call('SMEMBERS', waitingKey(id))
  if #waiting > 0 then
    return { Code.TaskWaiting, waiting }
  end
end
local key = taskKey(id)
local leaseUntil = now + tonumber(ARGV[7])
redis.call('HSET', key, 'status', 'claimed', 'assignee', ARGV[6], 'claimed_at', now, 'lease_until', leaseUntil)
redis.call('HINCRBY', key, 'attempts', 1)
redis.call('ZREM', boardIndex(board, 'ready'), id)
moveStatus(board, id, 'available', 'claimed', redis.call('HGET', key, 'seq'))
redis.call('ZADD', KEYS[1], leaseUntil, id)
redis.call('ZADD', KEYS[2], now, board)
return { Code.Ok, taskView(id) }
