--[[ Renew a live push session, and its event stream when that is open (or, with ARGV[4] '1',
  being opened): the session's use and the stream's heartbeat.
  KEYS[1] agent's push sessions   KEYS[2] agent's open push streams (both scored by when each lapses)
  ARGV[1] session id   ARGV[2] lifetime ms of both without renewal   ARGV[3] '1' to open the stream
  Returns Code.Ok, Code.NotFound (no such session, or it lapsed) ]]
--- @include "now"
local now = nowMs()
local lapses = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1]))
if not lapses or lapses <= now then
  return Code.NotFound
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if ARGV[3] == '1' or redis.call('ZSCORE', KEYS[2], ARGV[1]) then
  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[1])
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
end
return Code.Ok
