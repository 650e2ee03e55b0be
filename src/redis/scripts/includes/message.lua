-- A message hash's fields as the callers see them, in this order (a flat array is built from it).
local MESSAGE_FIELDS = { 'id', 'from', 'to', 'topic', 'type', 'subject', 'body', 'priority',
  'created_at', 'expires_at', 'correlation_id', 'ack_required' }

-- The message's shown fields as a flat array {field, value, …}, or nil when it is gone.
local function messageFlat(key)
  local values = redis.call('HMGET', key, unpack(MESSAGE_FIELDS))
  if not values[1] then
    return nil
  end
  local flat = {}
  for i, field in ipairs(MESSAGE_FIELDS) do
    flat[#flat + 1] = field
    flat[#flat + 1] = values[i] or ''
  end
  return flat, values
end

-- Cuts s to at most n bytes without splitting a UTF-8 character.
local function cutUtf8(s, n)
  if #s <= n then
    return s
  end
  while n > 0 do
    local b = string.byte(s, n + 1)
    if b < 128 or b >= 192 then
      break
    end
    n = n - 1
  end
  return string.sub(s, 1, n)
end
