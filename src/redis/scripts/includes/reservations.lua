-- Reservations: one hash, field `<agent>\n<pattern>`, value a JSON record {agent, pattern,
-- exclusive, reason, created_at, expires_at}; and a zset of the same fields by expires_at (ms),
-- so that lapsed ones can be dropped without reading them all.

local function reservationField(agent, pattern)
  return agent .. '\n' .. pattern
end

-- Drops the lapsed reservations (expires_at <= now), in batches that unpack() can take.
local function pruneReservations(hashKey, expiryKey, now)
  local lapsed = redis.call('ZRANGEBYSCORE', expiryKey, '-inf', now)
  for i = 1, #lapsed, 1000 do
    redis.call('HDEL', hashKey, unpack(lapsed, i, math.min(i + 999, #lapsed)))
  end
  if #lapsed > 0 then
    redis.call('ZREMRANGEBYSCORE', expiryKey, '-inf', now)
  end
end

-- The live reservations (expires_at > now), as decoded records.
local function liveReservations(hashKey, now)
  local flat = redis.call('HGETALL', hashKey)
  local live = {}
  for i = 2, #flat, 2 do
    local record = cjson.decode(flat[i])
    if record.expires_at > now then
      live[#live + 1] = record
    end
  end
  return live
end

-- Both keys live as long as their longest reservation; without any they are gone.
local function keepReservationKeys(hashKey, expiryKey)
  local last = redis.call('ZRANGE', expiryKey, -1, -1, 'WITHSCORES')
  if #last == 0 then
    redis.call('DEL', hashKey, expiryKey)
  else
    redis.call('PEXPIREAT', hashKey, last[2])
    redis.call('PEXPIREAT', expiryKey, last[2])
  end
end

-- A reservation as the scripts reply it: {agent, pattern, '1' exclusive or '0', reason, created_at, expires_at}.
local function reservationReply(record)
  return { record.agent, record.pattern, record.exclusive and '1' or '0', record.reason, record.created_at,
    record.expires_at }
end
