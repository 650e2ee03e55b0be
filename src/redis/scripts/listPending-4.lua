--[[ One page of the open requests addressed to an agent, oldest first, as previews; with
  ARGV[4] > 0 the page is handed out: queued ones delivered and leased, delivered ones'
  leases renewed. Closed and expired entries met on the way are pruned.
  KEYS[1] addressee's pending zset   KEYS[2] addressee's queued zset   KEYS[3] lease zset
  KEYS[4] addressee's inbox bytes
  ARGV[1] request key prefix   ARGV[2] cursor: the seq after which to start, '' from the oldest
  ARGV[3] page size            ARGV[4] lease ms, 0 to only look
  ARGV[5] longest message preview, bytes   ARGV[6] longest context preview, bytes
  Returns {open requests in the inbox, previews as flat arrays (message and context cut to
           the preview size at a character boundary, with message_bytes and context_bytes),
           ids delivered by this call, expired entries pruned, next cursor or ''} ]]
--- @include "now"
--- @include "request"
--- @include "inbox"
--- @include "utf8"

local shown = { request_id = true, conversation_id = true, from_agent = true, to_agent = true,
  state = true, created_at = true, expires_at = true, delivered_at = true, lease_until = true,
  delivery_count = true }

local now = nowMs()
local limit, leaseMs = tonumber(ARGV[3]), tonumber(ARGV[4])
local min = ARGV[2] == '' and '-inf' or '(' .. ARGV[2]
local previews, delivered, expired, lastSeq = {}, {}, 0, nil
while #previews < limit do
  local batch = redis.call('ZRANGEBYSCORE', KEYS[1], min, '+inf', 'WITHSCORES', 'LIMIT', 0, limit - #previews)
  if #batch == 0 then
    break
  end
  for i = 1, #batch, 2 do
    local id, seq = batch[i], batch[i + 1]
    min = '(' .. seq
    local key = ARGV[1] .. id
    local state = stateOf(key, now)
    if state == 'queued' or state == 'delivered' then
      if leaseMs > 0 then
        if state == 'queued' then
          deliver(key, id, now, leaseMs, KEYS[3])
          redis.call('ZREM', KEYS[2], id)
          delivered[#delivered + 1] = id
        else
          renew(key, id, now, leaseMs, KEYS[3])
        end
      end
      local record = redis.call('HGETALL', key)
      local preview = {}
      for j = 1, #record, 2 do
        local field, value = record[j], record[j + 1]
        if field == 'message' or field == 'context' then
          preview[#preview + 1] = field
          preview[#preview + 1] = cutUtf8(value, tonumber(field == 'message' and ARGV[5] or ARGV[6]))
          preview[#preview + 1] = field .. '_bytes'
          preview[#preview + 1] = #value
        elseif shown[field] then
          preview[#preview + 1] = field
          preview[#preview + 1] = value
        end
      end
      previews[#previews + 1] = preview
      lastSeq = seq
    else
      removeFromInbox(KEYS[1], KEYS[4], id)
      redis.call('ZREM', KEYS[2], id)
      if state == nil or state == 'expired' then
        expired = expired + 1
      end
    end
  end
end
local more = lastSeq and redis.call('ZCOUNT', KEYS[1], '(' .. lastSeq, '+inf') > 0
return { redis.call('ZCARD', KEYS[1]), previews, delivered, expired, more and lastSeq or '' }
