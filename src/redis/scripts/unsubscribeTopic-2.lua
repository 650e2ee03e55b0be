--[[ Unsubscribe an agent from a topic (nothing to do when it was not subscribed).
  KEYS[1] topic's subscribers set   KEYS[2] agent's subscriptions set
  ARGV[1] agent   ARGV[2] topic
  Returns {1 if it was subscribed, else 0; the agent's topics left} ]]
local was = redis.call('SREM', KEYS[1], ARGV[1])
redis.call('SREM', KEYS[2], ARGV[2])
return { was, redis.call('SMEMBERS', KEYS[2]) }
