--[[ Change a task's priority, description or dependencies; anyone may, but not on a done
  task, and dependencies only while nobody holds it (a claimed task was claimed with all its
  dependencies done). New dependencies must be tasks of the board that do not (even through
  others) depend on this one: a cycle is refused, naming it.
  KEYS[1] task hash   KEYS[2] boards zset
  ARGV[1] task key prefix   ARGV[2] board key prefix   ARGV[3] events channel
  ARGV[4] board   ARGV[5] task id   ARGV[6] priority, or '' to keep it
  ARGV[7] '1' to set the description   ARGV[8] description
  ARGV[9] depends_on as a JSON array of distinct ids, or '' to keep them
  Returns {Code.Ok, task view}, Code.TaskNotFound, Code.TaskDone, {Code.TaskClaimed, assignee},
  {Code.UnknownDependency, the id}, {Code.DependencyCycle, path: this task, a task that
  depends on it, …, the new dependency that depends on the one before} ]]
--- @include "now"
--- @include "task"
local now = nowMs()
local board, id = ARGV[4], ARGV[5]
local f = redis.call('HMGET', KEYS[1], 'board', 'status', 'assignee', 'depends_on')
local refusal = missingOrDone(board, f)
if refusal then
  return refusal
end
if ARGV[9] ~= '' then
  if f[2] == 'claimed' then
    return { Code.TaskClaimed, f[3] }
  end
  local deps, new = cjson.decode(ARGV[9]), {}
  for _, dep in ipairs(deps) do
    if dep == id then
      return { Code.DependencyCycle, { id } }
    end
    if redis.call('HGET', taskKey(dep), 'board') ~= board then
      return { Code.UnknownDependency, dep }
    end
    new[dep] = true
  end
  -- Breadth first through everything that depends on this task: a new dependency found there
  -- would depend on this task, which would depend on it.
  local parent, queue, head = { [id] = false }, { id }, 1
  while head <= #queue do
    local current = queue[head]
    head = head + 1
    for _, dependent in ipairs(redis.call('SMEMBERS', dependentsKey(current))) do
      if parent[dependent] == nil then
        parent[dependent] = current
        if new[dependent] then
          local path, step = {}, dependent
          while step do
            table.insert(path, 1, step)
            step = parent[step]
          end
          return { Code.DependencyCycle, path }
        end
        queue[#queue + 1] = dependent
      end
    end
  end
  for _, old in ipairs(cjson.decode(f[4])) do
    redis.call('SREM', dependentsKey(old), id)
  end
  redis.call('DEL', waitingKey(id))
  addDependencies(id, deps)
  redis.call('HSET', KEYS[1], 'depends_on', ARGV[9])
end
if ARGV[6] ~= '' then
  redis.call('HSET', KEYS[1], 'priority', ARGV[6])
end
if ARGV[7] == '1' then
  redis.call('HSET', KEYS[1], 'description', ARGV[8])
end
refreshReady(board, id)
redis.call('ZADD', KEYS[2], now, board)
return { Code.Ok, taskView(id) }
