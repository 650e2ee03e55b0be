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
