--[[ Decide whether a Stop hook blocks, and remember what a block showed. A new turn
  (stop_hook_active false) blocks while any request waits; a Stop that follows a block blocks
  again only for a request the session was not shown yet, so Claude is never looped.
  KEYS[1] the session's shown-ids set
  ARGV[1] '1' under stop_hook_active, else '0'   ARGV[2] TTL of the set in seconds
  ARGV[3] JSON array of the ids of the open requests the hook shows (one page: the set stays
          that small)
  Returns 1 block (the set now holds exactly these ids), 0 let Claude stop ]]
local ids = cjson.decode(ARGV[3])
if #ids == 0 then
  redis.call('DEL', KEYS[1])
  return 0
end
local block = ARGV[1] ~= '1'
if not block then
  for _, id in ipairs(ids) do
    if redis.call('SISMEMBER', KEYS[1], id) == 0 then
      block = true
      break
    end
  end
end
if not block then
  return 0
end
redis.call('DEL', KEYS[1])
for _, id in ipairs(ids) do
  redis.call('SADD', KEYS[1], id)
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
