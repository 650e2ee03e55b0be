--[[ How many agents were seen within the online window, by Redis's clock as presence is.
  Counts a left agent too until the window passes: leaving sets left_at, not the index score.
  KEYS[1] agent index (zset scored by last_seen)
  ARGV[1] online window in ms
  Returns the count ]]
--- @include "now"
return redis.call('ZCOUNT', KEYS[1], nowMs() - tonumber(ARGV[1]), '+inf')
