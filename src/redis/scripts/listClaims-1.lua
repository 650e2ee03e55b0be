--[[ The tasks an agent holds claimed, on every board, for the hooks to remind it of: the first
  ARGV[3] found among the claimed tasks of all boards (the task leases), looking at no more than
  ARGV[4] of them.
  KEYS[1] task lease zset (every claimed task)
  ARGV[1] task key prefix   ARGV[2] the agent   ARGV[3] most tasks returned
  ARGV[4] most claimed tasks looked at
  Returns {{task id, board, title}, …} ]]
local agent, most = ARGV[2], tonumber(ARGV[3])
local held = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[4]) - 1)) do
  local f = redis.call('HMGET', ARGV[1] .. id, 'assignee', 'board', 'title')
  if f[1] == agent then
    held[#held + 1] = { id, f[2], f[3] }
    if #held >= most then
      break
    end
  end
end
return held
