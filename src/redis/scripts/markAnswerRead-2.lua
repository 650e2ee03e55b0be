--[[ Note that a request's sender has read its answer, so no push tells it again.
  KEYS[1] request hash   KEYS[2] sender's unread answers
  ARGV[1] request id
  Returns 1 ]]
--- @include "now"
if redis.call('HEXISTS', KEYS[1], 'answered_at') == 1 then
  redis.call('HSETNX', KEYS[1], 'answer_read_at', nowMs())
end
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
