-- A page's size in bytes, near enough: the lengths of the strings of its entries (flat arrays,
-- or arrays of them), which is what a page's JSON grows with.
local function entryBytes(entry)
  local bytes = 0
  for _, value in ipairs(entry) do
    if type(value) == 'table' then
      bytes = bytes + entryBytes(value)
    else
      bytes = bytes + #tostring(value)
    end
  end
  return bytes
end

-- Whether `entry` still fits a page that holds `used` bytes in `count` entries, most `maxBytes`:
-- the first entry always does.
local function fitsPage(entry, count, used, maxBytes)
  local bytes = entryBytes(entry)
  return count == 0 or used + bytes <= maxBytes, bytes
end
