--[[ One page of the agents seen within the record TTL, most recently seen first, with how many
  there are and how many were seen within the online window.
  KEYS[1] agent index (zset scored by last_seen)
  ARGV[1] horizon in ms: index entries seen before it are dropped (their records expired)
  ARGV[2] agent key prefix (agent hashes share the keys' hash tag; ids come from the index)
  ARGV[3] cursor: last_seen of the previous page's last agent, '' from the most recent
  ARGV[4] cursor: how many agents with that last_seen the previous pages held
  ARGV[5] page size   ARGV[6] online window in ms
  ARGV[7] key prefix of agents' open push streams
  Returns {now in ms, agents in the index, agents seen within the online window (a left
           agent too: leaving sets left_at, not the index score), agent hashes as flat arrays
           with a field push_streams (push streams open now) added,
           next cursor's last_seen or '' on the last page, next cursor's count} ]]
--- @include "now"
local now = nowMs()
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
local limit = tonumber(ARGV[5])
-- Keyset paging: agents seen since the previous page moved ahead of the cursor, so a page
-- never repeats one. Ties (seen in the same millisecond) are told apart by how many of them
-- were listed, as ZREVRANGEBYSCORE orders them the same way every time.
local max, run = '+inf', 0
if ARGV[3] ~= '' then
  max, run = ARGV[3], tonumber(ARGV[4])
end
local agents = {}
while #agents < limit do
  local batch = redis.call('ZREVRANGEBYSCORE', KEYS[1], max, '-inf', 'WITHSCORES', 'LIMIT', run, limit - #agents)
  if #batch == 0 then
    break
  end
  for i = 1, #batch, 2 do
    local id, score = batch[i], batch[i + 1]
    if tonumber(score) == tonumber(max) then
      run = run + 1
    else
      max, run = score, 1
    end
    local record = redis.call('HGETALL', ARGV[2] .. id)
    -- A record gone before its index entry is skipped, not removed: removing would shift the ties.
    if #record > 0 then
      record[#record + 1] = 'push_streams'
      record[#record + 1] = redis.call('ZCOUNT', ARGV[7] .. id, '(' .. now, '+inf')
      agents[#agents + 1] = record
    end
  end
end
local more = #redis.call('ZREVRANGEBYSCORE', KEYS[1], max, '-inf', 'LIMIT', run, 1) > 0
return {
  now,
  redis.call('ZCARD', KEYS[1]),
  redis.call('ZCOUNT', KEYS[1], now - tonumber(ARGV[6]), '+inf'),
  agents,
  more and max or '',
  run,
}
