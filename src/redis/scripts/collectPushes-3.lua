--[[ What a push session has not been told yet: queued requests for its agent, each marked told
  to this session (a push never repeats one) and its first push recorded as its "pushed"
  receipt; and answers to the agent's requests not yet read or told to any of its sessions.
  Nothing, and nothing marked, while the agent's latest Claude Code session started without
  C3PO's channels (its record's channels is '0'): that session would drop what is pushed.
  KEYS[1] agent's queued zset   KEYS[2] agent's unread answers (zset of request ids)
  KEYS[3] agent hash
  ARGV[1] request key prefix (request hashes share the keys' hash tag; ids come from the zsets)
  ARGV[2] push session id   ARGV[3] most requests and most answers in one push
  ARGV[4] most bytes of a message or response to return
  ARGV[5] most queued requests looked at, newest first (older ones were pushed when they came)
  ARGV[6] how long an unread answer is kept, ms (older ones are dropped unpushed)
  Returns {queued requests in all, new requests as {id, from, conversation, message prefix},
           new answers as {id, responder, response status, response prefix}} ]]
--- @include "now"
--- @include "request"
local now = nowMs()
if redis.call('HGET', KEYS[3], 'channels') == '0' then
  return { redis.call('ZCARD', KEYS[1]), {}, {} }
end
local most, bytes = tonumber(ARGV[3]), tonumber(ARGV[4])
local mark = 'push:' .. ARGV[2]
local requests = {}
local newest = redis.call('ZREVRANGE', KEYS[1], 0, tonumber(ARGV[5]) - 1)
for i = #newest, 1, -1 do
  local key = ARGV[1] .. newest[i]
  if #requests < most and stateOf(key, now) == 'queued' and redis.call('HSETNX', key, mark, now) == 1 then
    redis.call('HSETNX', key, 'pushed_at', now)
    redis.call('HSETNX', key, 'pushed_to', ARGV[2])
    local f = redis.call('HMGET', key, 'from_agent', 'conversation_id', 'message')
    requests[#requests + 1] = { newest[i], f[1], f[2], string.sub(f[3], 1, bytes) }
  end
end
-- An answer is told once, to whichever session of the asker takes it first: the one that asked
-- is most likely the one listening, and a session started later need not hear old news.
local answers = {}
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. (now - tonumber(ARGV[6])))
for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, most - 1)) do
  redis.call('ZREM', KEYS[2], id)
  local f = redis.call('HMGET', ARGV[1] .. id, 'state', 'answer_read_at', 'to_agent', 'response_status', 'response')
  if f[1] == 'answered' and not f[2] then
    answers[#answers + 1] = { id, f[3], f[4], string.sub(f[5], 1, bytes) }
  end
end
return { redis.call('ZCARD', KEYS[1]), requests, answers }
