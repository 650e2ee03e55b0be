--[[ The messages awaiting the agent's ack that one push session has not been told about and
  the agent has not been shown yet (check_messages shows them), each marked told to this
  session, so a push never repeats one. Nothing, and nothing marked, while the agent's latest
  Claude Code session started without C3PO's channels (its record's channels is '0').
  KEYS[1] agent's mailbox   KEYS[2] agent hash
  ARGV[1] message key prefix   ARGV[2] the agent   ARGV[3] push session id
  ARGV[4] most messages in one push   ARGV[5] most mailbox entries looked at, first first
  Returns new messages as {id, from, type, subject} ]]
--- @include "now"
local now = nowMs()
if redis.call('HGET', KEYS[2], 'channels') == '0' then
  return {}
end
local most = tonumber(ARGV[4])
local mark = 'push:' .. ARGV[2] .. ':' .. ARGV[3]
local told = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[5]) - 1)) do
  if #told >= most then
    break
  end
  local key = ARGV[1] .. id
  local f = redis.call('HMGET', key, 'ack_required', 'expires_at', 'from', 'type', 'subject')
  if f[1] == '1' and tonumber(f[2]) > now and redis.call('HGET', key .. ':rcpt', ARGV[2]) == 'new'
      and redis.call('HSETNX', key .. ':rcpt', mark, now) == 1 then
    told[#told + 1] = { id, f[3], f[4], f[5] }
  end
end
return told
