--[[ One page of a board's tasks, oldest first, with the board's goal, plan and counts by
  status. With an assignee, tasks of others are skipped, looking at no more than ARGV[9] tasks
  per call: such a page may hold fewer than ARGV[8] tasks and still have a next cursor.
  KEYS[1] board hash
  ARGV[1] task key prefix   ARGV[2] board key prefix   ARGV[3] events channel (unused)
  ARGV[4] board   ARGV[5] status, or '' for all   ARGV[6] assignee, or '' for anyone
  ARGV[7] cursor: the seq after which to start, '' from the oldest   ARGV[8] page size
  ARGV[9] most tasks to look at
  ARGV[10] most bytes of text in the page (the first task always fits); the next cursor
           resumes at the task that did not fit
  Returns {board hash as a flat array, {available, claimed, done, failed},
           task views, next cursor or ''} ]]
--- @include "task"
--- @include "page"
--- @include "walk"
local board, assignee = ARGV[4], ARGV[6]
local index = boardIndex(board, ARGV[5] == '' and 'tasks' or ARGV[5])
local limit, budget = tonumber(ARGV[8]), tonumber(ARGV[9])
local maxBytes = tonumber(ARGV[10])
local views, used = {}, 0
local cursor = walkPage(index, ARGV[7], false, budget, function(id)
  if assignee ~= '' and redis.call('HGET', taskKey(id), 'assignee') ~= assignee then
    return nil
  end
  local view = taskView(id)
  local fits, bytes = fitsPage(view, #views, used, maxBytes)
  if not fits then
    return 'next'
  end
  views[#views + 1] = view
  used = used + bytes
  if #views == limit then
    return 'full'
  end
  return nil
end)
local counts = {}
for i, status in ipairs({ 'available', 'claimed', 'done', 'failed' }) do
  counts[i] = redis.call('ZCARD', boardIndex(board, status))
end
return { redis.call('HGETALL', KEYS[1]), counts, views, cursor }
