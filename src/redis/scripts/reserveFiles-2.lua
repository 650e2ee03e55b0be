--[[ Reserve paths or globs for an agent, all or nothing. A conflict is another agent's live
  reservation overlapping a requested pattern where either side is exclusive: then nothing
  changes. The agent's own reservations are renewed (new expiry, exclusive flag and reason; the
  creation time kept), never conflicts. A new reservation needs room under both caps.
  KEYS[1] reservations hash   KEYS[2] reservation expiry zset
  ARGV[1] agent   ARGV[2] normalized patterns, one per line   ARGV[3] TTL ms
  ARGV[4] '1' exclusive, '0' shared   ARGV[5] reason
  ARGV[6] most reservations per agent   ARGV[7] most reservations in all
  ARGV[8] most conflicts (and shared holders) to report
  Returns {Code.Ok, expires_at ms, {patterns renewed}, {other agents' shared reservations
           overlapping, each {requested pattern, reservation…}}},
  {Code.ReservationConflict, {{requested pattern, reservation…}…}, conflicts in all},
  {Code.TooManyReservationsForAgent, reservations the agent holds},
  {Code.TooManyReservations, reservations in all}
  (a reservation: {agent, pattern, '1' or '0' exclusive, reason, created_at, expires_at}) ]]
--- @include "now"
--- @include "glob"
--- @include "reservations"
--- @include "lines"
local now = nowMs()
local agent, exclusive, most = ARGV[1], ARGV[4] == '1', tonumber(ARGV[8])
local patterns = splitLines(ARGV[2])
pruneReservations(KEYS[1], KEYS[2], now)
local live = liveReservations(KEYS[1], now)

local conflicts, conflictCount, shared = {}, 0, {}
local own, held = 0, {}
for _, record in ipairs(live) do
  if record.agent == agent then
    own = own + 1
    held[record.pattern] = record
  else
    for _, pattern in ipairs(patterns) do
      if patternsOverlap(pattern, record.pattern) then
        if exclusive or record.exclusive then
          conflictCount = conflictCount + 1
          if #conflicts < most then
            local entry = reservationReply(record)
            table.insert(entry, 1, pattern)
            conflicts[#conflicts + 1] = entry
          end
        elseif #shared < most then
          local entry = reservationReply(record)
          table.insert(entry, 1, pattern)
          shared[#shared + 1] = entry
        end
      end
    end
  end
end
if conflictCount > 0 then
  return { Code.ReservationConflict, conflicts, conflictCount }
end

local added = 0
for _, pattern in ipairs(patterns) do
  if not held[pattern] then
    added = added + 1
  end
end
if own + added > tonumber(ARGV[6]) then
  return { Code.TooManyReservationsForAgent, own }
end
if #live + added > tonumber(ARGV[7]) then
  return { Code.TooManyReservations, #live }
end

local expiresAt = now + tonumber(ARGV[3])
local renewed = {}
for _, pattern in ipairs(patterns) do
  local before = held[pattern]
  if before then
    renewed[#renewed + 1] = pattern
  end
  local field = reservationField(agent, pattern)
  redis.call('HSET', KEYS[1], field, cjson.encode({
    agent = agent,
    pattern = pattern,
    exclusive = exclusive,
    reason = ARGV[5],
    created_at = before and before.created_at or now,
    expires_at = expiresAt,
  }))
  redis.call('ZADD', KEYS[2], expiresAt, field)
end
keepReservationKeys(KEYS[1], KEYS[2])
return { Code.Ok, expiresAt, renewed, shared }
