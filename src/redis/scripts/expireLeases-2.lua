--[[ Take back requests whose lease ran out unanswered: queued again for the next wait, or,
  once handed out ARGV[4] times, undeliverable (a dead letter) with the sender's waits woken.
  The addressees' inbox keys are derived from the request (one hash-tag slot, as BullMQ does):
  the due ids are only known here.
  KEYS[1] lease zset   KEYS[2] dead-letter zset
  ARGV[1] request key prefix   ARGV[2] queued zset prefix   ARGV[3] pending zset prefix
  ARGV[4] most deliveries      ARGV[5] most leases to take back in this call
  ARGV[6] events channel       ARGV[7] TTL seconds (for the queued zset)
  ARGV[8] inbox bytes prefix
  Returns {ids queued again, ids now undeliverable} ]]
--- @include "now"
--- @include "request"
--- @include "inbox"
local now = nowMs()
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[5]))
local requeued, dead = {}, {}
for _, id in ipairs(due) do
  redis.call('ZREM', KEYS[1], id)
  local key = ARGV[1] .. id
  if stateOf(key, now) == 'delivered' then
    local f = redis.call('HMGET', key, 'to_agent', 'delivery_count', 'seq')
    redis.call('HDEL', key, 'lease_until')
    if tonumber(f[2]) >= tonumber(ARGV[4]) then
      redis.call('HSET', key, 'state', 'undeliverable', 'undeliverable_at', now)
      removeFromInbox(ARGV[3] .. f[1], ARGV[8] .. f[1], id)
      redis.call('ZADD', KEYS[2], now, id)
      redis.call('PUBLISH', ARGV[6], Topic.answer .. id)
      dead[#dead + 1] = id
    else
      -- Requests stored by earlier versions carry no seq: their inbox entry still has it.
      local seq = f[3] or redis.call('ZSCORE', ARGV[3] .. f[1], id) or now
      redis.call('HSET', key, 'state', 'queued')
      redis.call('ZADD', ARGV[2] .. f[1], seq, id)
      redis.call('EXPIRE', ARGV[2] .. f[1], ARGV[7])
      redis.call('PUBLISH', ARGV[6], Topic.request .. f[1])
      requeued[#requeued + 1] = id
    end
  end
end
return { requeued, dead }
