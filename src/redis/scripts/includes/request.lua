-- A request's state as callers should see it: an open request past its expires_at is expired,
-- though Redis keeps its hash a while longer so that its sender can still learn what happened.
-- Returns nil when the hash is gone. (Requests stored by earlier versions have no expires_at: Redis
-- expires them whole.)
local function stateOf(key, now)
  local f = redis.call('HMGET', key, 'state', 'expires_at')
  if not f[1] then
    return nil
  end
  local expires = tonumber(f[2])
  if (f[1] == 'queued' or f[1] == 'delivered') and expires and expires <= now then
    return 'expired'
  end
  return f[1]
end

-- Hands a request to its addressee: delivered, leased until now + leaseMs, counted; the first
-- hand-out is the "seen" receipt (delivered_at moves with every later one).
local function deliver(key, id, now, leaseMs, leasesKey)
  local leaseUntil = now + leaseMs
  redis.call('HSET', key, 'state', 'delivered', 'delivered_at', now, 'lease_until', leaseUntil)
  redis.call('HSETNX', key, 'seen_at', now)
  redis.call('HINCRBY', key, 'delivery_count', 1)
  redis.call('ZADD', leasesKey, leaseUntil, id)
end

-- Extends the lease of a request delivered to its addressee, who shows it is still at work on it.
local function renew(key, id, now, leaseMs, leasesKey)
  redis.call('HSET', key, 'lease_until', now + leaseMs)
  redis.call('ZADD', leasesKey, now + leaseMs, id)
end
