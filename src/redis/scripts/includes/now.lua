-- Redis's clock in epoch milliseconds: every coordinator process shares it, unlike their own.
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
