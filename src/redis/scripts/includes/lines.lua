-- The non-empty lines of a text, in order: how the services pass a list to a script in one ARGV.
local function splitLines(text)
  local lines = {}
  for line in string.gmatch(text, '[^\n]+') do
    lines[#lines + 1] = line
  end
  return lines
end
