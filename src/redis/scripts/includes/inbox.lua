-- An inbox is its addressee's pending zset (every open request, by seq) and, beside it, a hash of
-- each of those requests' bytes (message and context) with their 'total'. They change together,
-- here only, so the count stays exact; a removal reads the bytes from the hash, never from the
-- request, which may have expired whole.

-- Puts a request in its addressee's inbox and counts its bytes (once, however often it is added).
local function addToInbox(pendingKey, bytesKey, id, seq, bytes, ttl)
  redis.call('ZADD', pendingKey, seq, id)
  if redis.call('HSETNX', bytesKey, id, bytes) == 1 then
    redis.call('HINCRBY', bytesKey, 'total', bytes)
  end
  redis.call('EXPIRE', pendingKey, ttl)
  redis.call('EXPIRE', bytesKey, ttl)
end

-- Takes a request out of its addressee's inbox and its bytes out of the count; an empty count goes.
local function removeFromInbox(pendingKey, bytesKey, id)
  redis.call('ZREM', pendingKey, id)
  local bytes = redis.call('HGET', bytesKey, id)
  if bytes then
    redis.call('HDEL', bytesKey, id)
    redis.call('HINCRBY', bytesKey, 'total', -tonumber(bytes))
    if redis.call('HLEN', bytesKey) == 1 then
      redis.call('DEL', bytesKey)
    end
  end
end

-- Ends whatever holds a request open (inbox, lease, dead letters) once it is closed.
local function closeOpen(id, pendingKey, bytesKey, queuedKey, leasesKey, deadKey)
  removeFromInbox(pendingKey, bytesKey, id)
  redis.call('ZREM', queuedKey, id)
  redis.call('ZREM', leasesKey, id)
  redis.call('ZREM', deadKey, id)
end
