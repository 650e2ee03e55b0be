-- Cuts s to at most n bytes without splitting a UTF-8 character.
local function cutUtf8(s, n)
  if #s <= n then
    return s
  end
  while n > 0 do
    local b = string.byte(s, n + 1)
    if b < 128 or b >= 192 then
      break
    end
    n = n - 1
  end
  return string.sub(s, 1, n)
end
