--[[ Subscribe an agent to a topic, unless it already has ARGV[3] topics (its list is first
  cleared of topics whose subscriber set lapsed). Both sets live ARGV[4] seconds past their
  last use: a subscription, a publication to the topic (which also drops subscribers whose
  agent record expired).
  KEYS[1] topic's subscribers set   KEYS[2] agent's subscriptions set
  ARGV[1] agent   ARGV[2] topic   ARGV[3] most topics per agent   ARGV[4] TTL seconds
  ARGV[5] topic key prefix (a topic's subscribers are prefix .. topic .. ':subs')
  Returns {Code.Ok or Code.Duplicate (already subscribed), the agent's topics},
  {Code.TooManyTopics, the agent's topics} ]]
local agent, topic, ttl = ARGV[1], ARGV[2], tonumber(ARGV[4])
local code = Code.Ok
if redis.call('SISMEMBER', KEYS[2], topic) == 1 and redis.call('SISMEMBER', KEYS[1], agent) == 1 then
  code = Code.Duplicate
else
  if redis.call('SCARD', KEYS[2]) >= tonumber(ARGV[3]) then
    for _, t in ipairs(redis.call('SMEMBERS', KEYS[2])) do
      if redis.call('SISMEMBER', ARGV[5] .. t .. ':subs', agent) == 0 then
        redis.call('SREM', KEYS[2], t)
      end
    end
    if redis.call('SCARD', KEYS[2]) >= tonumber(ARGV[3]) then
      return { Code.TooManyTopics, redis.call('SMEMBERS', KEYS[2]) }
    end
  end
  redis.call('SADD', KEYS[1], agent)
  redis.call('SADD', KEYS[2], topic)
end
redis.call('EXPIRE', KEYS[1], ttl)
redis.call('EXPIRE', KEYS[2], ttl)
return { code, redis.call('SMEMBERS', KEYS[2]) }
