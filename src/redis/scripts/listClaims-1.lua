--[[ The tasks an agent holds claimed, on every board, for the hooks to remind it of: the first
  ARGV[5] found, looking at no more than ARGV[6] claimed tasks in all (boards hold few).
  KEYS[1] boards zset
  ARGV[1] task key prefix   ARGV[2] board key prefix   ARGV[3] events channel (unused)
  ARGV[4] the agent   ARGV[5] most tasks returned   ARGV[6] most claimed tasks looked at
  Returns {{task id, board, title}, …} ]]
--- @include "task"
local agent, most, budget = ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
local held = {}
for _, board in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if budget <= 0 or #held >= most then
    break
  end
  for _, id in ipairs(redis.call('ZRANGE', boardIndex(board, 'claimed'), 0, budget - 1)) do
    budget = budget - 1
    local f = redis.call('HMGET', taskKey(id), 'assignee', 'title')
    if f[1] == agent then
      held[#held + 1] = { id, board, f[2] }
      if #held >= most then
        break
      end
    end
  end
end
return held
