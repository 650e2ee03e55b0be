--[[ Remove done and failed tasks that closed more than ARGV[4] ms ago, and boards without tasks
  whose last change was that long ago. A removed task leaves its board's indexes and its dependencies'
  dependents; tasks that still wait for a failed one keep waiting (update_task changes that).
  KEYS[1] closed tasks zset   KEYS[2] boards zset
  ARGV[1] task key prefix   ARGV[2] board key prefix   ARGV[3] events channel (unused)
  ARGV[4] how long closed tasks are kept, ms   ARGV[5] most tasks (and boards) to remove in this call
  Returns {tasks removed, boards removed} ]]
--- @include "now"
--- @include "task"
local cutoff, most = nowMs() - tonumber(ARGV[4]), tonumber(ARGV[5])
local tasks = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', cutoff, 'LIMIT', 0, most)
for _, id in ipairs(tasks) do
  redis.call('ZREM', KEYS[1], id)
  local f = redis.call('HMGET', taskKey(id), 'board', 'status', 'depends_on')
  if f[1] then
    for _, dep in ipairs(cjson.decode(f[3])) do
      redis.call('SREM', dependentsKey(dep), id)
    end
    for _, index in ipairs({ 'tasks', 'ready', f[2] }) do
      redis.call('ZREM', boardIndex(f[1], index), id)
    end
    redis.call('DEL', taskKey(id), waitingKey(id), dependentsKey(id))
  end
end
local removed = 0
for _, board in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', cutoff, 'LIMIT', 0, most)) do
  if redis.call('EXISTS', boardIndex(board, 'tasks')) == 0 then
    redis.call('DEL', ARGV[2] .. board)
    redis.call('ZREM', KEYS[2], board)
    removed = removed + 1
  end
end
return { #tasks, removed }
