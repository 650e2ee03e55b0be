-- The task board as the task scripts share it. Every script that includes this takes ARGV[1] the
-- task key prefix, ARGV[2] the board key prefix and ARGV[3] the events channel, and derives
-- the keys below as RedisKeys builds them (one hash-tag slot: ids come from the sets it reads).
--   task:<id>              hash: the task (TaskRecord)
--   task:<id>:waiting      set: its dependencies not done yet; claimable only when empty
--   task:<id>:dependents   set: the tasks that depend on it
--   board:<b>:tasks        zset: every task of the board, by seq
--   board:<b>:<status>     zset: the board's tasks in that status, by seq
--   board:<b>:ready        zset: the claimable ones (available, nothing to wait for), by readyScore
local function taskKey(id)
  return ARGV[1] .. id
end

local function waitingKey(id)
  return ARGV[1] .. id .. ':waiting'
end

local function dependentsKey(id)
  return ARGV[1] .. id .. ':dependents'
end

local function boardIndex(board, index)
  return ARGV[2] .. board .. ':' .. index
end

-- Most urgent first, then oldest: priority 10 scores lowest, and seq (from one counter, under
-- 1e12) breaks ties. Formatted as an integer: Lua's own number format keeps 14 digits only.
local function readyScore(priority, seq)
  return string.format('%.0f', (10 - tonumber(priority)) * 1e12 + tonumber(seq))
end

-- Moves a task from one status index of its board to another.
local function moveStatus(board, id, from, to, seq)
  redis.call('ZREM', boardIndex(board, from), id)
  redis.call('ZADD', boardIndex(board, to), seq, id)
end

-- Puts a task among its board's claimable ones when it is available with nothing left to wait
-- for (scored afresh: its priority may have changed), else takes it out. One that just became
-- claimable wakes the board's waits (wait_for_task).
local function refreshReady(board, id)
  local f = redis.call('HMGET', taskKey(id), 'status', 'priority', 'seq')
  local ready = boardIndex(board, 'ready')
  if f[1] == 'available' and redis.call('SCARD', waitingKey(id)) == 0 then
    if redis.call('ZADD', ready, readyScore(f[2], f[3]), id) == 1 then
      redis.call('PUBLISH', ARGV[3], Topic.task .. board)
    end
  else
    redis.call('ZREM', ready, id)
  end
end

-- Ends a claim that did not finish the task: available again (attempts kept), claimable unless
-- it waits for something; `reason` says why, for whoever claims it next.
local function makeAvailable(board, id, leasesKey, reason)
  local key = taskKey(id)
  redis.call('HSET', key, 'status', 'available')
  if reason then
    redis.call('HSET', key, 'reason', reason)
  end
  redis.call('HDEL', key, 'assignee', 'claimed_at', 'lease_until')
  moveStatus(board, id, 'claimed', 'available', redis.call('HGET', key, 'seq'))
  redis.call('ZREM', leasesKey, id)
  refreshReady(board, id)
end

-- Fails a task for good: its claim ends, the assignee stays on record, it closes.
local function makeFailed(board, id, leasesKey, closedKey, reason, now)
  local key = taskKey(id)
  redis.call('HSET', key, 'status', 'failed', 'failed_at', now, 'reason', reason)
  redis.call('HDEL', key, 'lease_until')
  moveStatus(board, id, 'claimed', 'failed', redis.call('HGET', key, 'seq'))
  redis.call('ZREM', leasesKey, id)
  redis.call('ZADD', closedKey, now, id)
end

-- Code.TaskNotFound when a task (its 'board' and 'status' fields first in f) is not one of the
-- board's, Code.TaskDone when it is done (nothing changes a done task); nil otherwise.
local function missingOrDone(board, f)
  if f[1] ~= board then
    return Code.TaskNotFound
  end
  if f[2] == 'done' then
    return Code.TaskDone
  end
  return nil
end

-- Records that task `id` depends on `deps` (tasks of its board): each knows it as a dependent,
-- and it waits for those not done yet.
local function addDependencies(id, deps)
  for _, dep in ipairs(deps) do
    redis.call('SADD', dependentsKey(dep), id)
    if redis.call('HGET', taskKey(dep), 'status') ~= 'done' then
      redis.call('SADD', waitingKey(id), dep)
    end
  end
end

-- A task as the scripts return it: {its hash as a flat array, the dependencies it waits for}.
local function taskView(id)
  return { redis.call('HGETALL', taskKey(id)), redis.call('SMEMBERS', waitingKey(id)) }
end

-- Why a claimed task cannot be touched by `agent`: Code.TaskNotFound, Code.TaskDone,
-- Code.TaskFailed, Code.TaskNotClaimed or {Code.NotAssignee, assignee}; nil when it is the
-- agent's own claim. Used by complete, fail and release alike.
local function notOwnClaim(board, id, agent)
  local f = redis.call('HMGET', taskKey(id), 'board', 'status', 'assignee')
  local refusal = missingOrDone(board, f)
  if refusal then
    return refusal
  end
  if f[2] == 'failed' then
    return Code.TaskFailed
  end
  if f[2] ~= 'claimed' then
    return Code.TaskNotClaimed
  end
  if f[3] ~= agent then
    return { Code.NotAssignee, f[3] }
  end
  return nil
end
