-- A payer's token bucket for sends (a request, or a message however many it reaches): perMinute
-- tokens, refilled continuously since the last was spent. Untouched for a minute a bucket is
-- full again, the same as none, so it expires then.

-- The tokens in the bucket now, fractional.
local function bucketTokens(key, perMinute, now)
  local bucket = redis.call('HMGET', key, 'tokens', 'at')
  if not bucket[1] then
    return perMinute
  end
  local refilled = math.max(0, now - tonumber(bucket[2])) * perMinute / 60000
  return math.min(perMinute, tonumber(bucket[1]) + refilled)
end

-- Ms until the bucket holds a whole token again.
local function msUntilToken(tokens, perMinute)
  return math.ceil((1 - tokens) * 60000 / perMinute)
end

-- Spends one of `tokens` (as bucketTokens read them, at least one).
local function spendToken(key, tokens, now)
  redis.call('HSET', key, 'tokens', tokens - 1, 'at', now)
  redis.call('PEXPIRE', key, 60000)
end
