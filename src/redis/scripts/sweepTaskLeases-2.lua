--[[ Deal with claimed tasks whose lease ran out. A claimer seen since its lease began (its
  agent record's last_seen: every call, hook and push heartbeat of the agent refreshes it) is
  at work: the lease is renewed from now. Any other claim ends: the task is available again,
  or failed for good once it was claimed ARGV[6] times.
  KEYS[1] task lease zset   KEYS[2] closed tasks zset
  ARGV[1] task key prefix   ARGV[2] board key prefix   ARGV[3] events channel
  ARGV[4] agent key prefix   ARGV[5] lease ms   ARGV[6] most attempts
  ARGV[7] most leases to deal with in this call
  Returns {ids renewed, ids available again, ids failed} ]]
--- @include "now"
--- @include "task"
local now = nowMs()
local leaseMs, most = tonumber(ARGV[5]), tonumber(ARGV[6])
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[7]))
local renewed, requeued, failed = {}, {}, {}
for _, id in ipairs(due) do
  local f = redis.call('HMGET', taskKey(id), 'status', 'assignee', 'lease_until', 'board', 'attempts')
  if f[1] ~= 'claimed' then
    redis.call('ZREM', KEYS[1], id)
  else
    local seen = tonumber(redis.call('HGET', ARGV[4] .. f[2], 'last_seen') or '0')
    if seen >= tonumber(f[3]) - leaseMs then
      redis.call('HSET', taskKey(id), 'lease_until', now + leaseMs)
      redis.call('ZADD', KEYS[1], now + leaseMs, id)
      renewed[#renewed + 1] = id
    elseif tonumber(f[5]) >= most then
      makeFailed(f[4], id, KEYS[1], KEYS[2],
        "lease ran out: '" .. f[2] .. "' was not seen within it, and the task was claimed " .. f[5] ..
        ' times (C3PO_TASK_MAX_ATTEMPTS)', now)
      failed[#failed + 1] = id
    else
      makeAvailable(f[4], id, KEYS[1], "lease ran out: '" .. f[2] .. "' was not seen within it")
      requeued[#requeued + 1] = id
    end
  end
end
return { renewed, requeued, failed }
