-- Reservation patterns: repository-relative paths or globs, normalized by the coordinator (no
-- leading '/', no '.' or '..' segments, no empty segment). '*' stands for any run of characters
-- but '/', '**' for any run at all (a whole '**/' segment also for none: 'a/**/b' matches 'a/b'),
-- '?' for one character but '/'; every other character is itself. A pattern covers the paths it
-- matches and everything inside a folder it matches: 'src' covers 'src/a.ts'.
--
-- Two patterns overlap when some path is covered by both. That is decided exactly, as the
-- intersection of two regular languages: a walk over pairs of positions in the two patterns.

-- A pattern as tokens: { k = 'c', c = <one UTF-8 character> }, { k = '?' }, { k = '*' }, { k = '**' }.
-- `skip` on a token is a way past it and the next one without a character: a whole '**/' segment,
-- and the optional '/**' appended to a pattern for the paths inside what it matches (`folders`).
-- A literal path (`literal`) has no wildcards: '*' and '?' in it are characters.
local function globTokens(pattern, folders, literal)
  local tokens = {}
  local i, n = 1, #pattern
  while i <= n do
    local c = pattern:sub(i, i)
    if c == '*' and not literal then
      local j = i
      while pattern:sub(j + 1, j + 1) == '*' do
        j = j + 1
      end
      if j > i then
        -- A whole segment ('**/' at the start or after '/') may also stand for no folder at all.
        local whole = (i == 1 or pattern:sub(i - 1, i - 1) == '/') and pattern:sub(j + 1, j + 1) == '/'
        tokens[#tokens + 1] = { k = '**', skip = whole and 2 or nil }
      else
        tokens[#tokens + 1] = { k = '*' }
      end
      i = j + 1
    elseif c == '?' and not literal then
      tokens[#tokens + 1] = { k = '?' }
      i = i + 1
    else
      local char = pattern:match('^[%z\1-\127\194-\244][\128-\191]*', i) or c
      tokens[#tokens + 1] = { k = 'c', c = char }
      i = i + #char
    end
  end
  if folders then
    tokens[#tokens + 1] = { k = 'c', c = '/', skip = 2 }
    tokens[#tokens + 1] = { k = '**' }
  end
  return tokens
end

-- What comes before the first wildcard: every path either pattern covers starts with it.
local function literalPrefix(pattern)
  return pattern:match('^[^*?]*')
end

local function isStar(token)
  return token.k == '*' or token.k == '**'
end

-- Whether a star token can stand for the one character a character token stands for.
local function starTakes(star, token)
  return star.k == '**' or token.k == '?' or token.c ~= '/'
end

-- Whether two character tokens can stand for the same character.
local function sameChar(x, y)
  if x.k == 'c' and y.k == 'c' then
    return x.c == y.c
  end
  return (x.k == '?' or x.c ~= '/') and (y.k == '?' or y.c ~= '/')
end

-- Whether some string matches both token lists.
local function tokensIntersect(a, b)
  local na, nb = #a, #b
  local seen = {}
  local stack = { 1, 1 }
  local function visit(i, j)
    local key = i * (nb + 2) + j
    if not seen[key] then
      seen[key] = true
      stack[#stack + 1] = i
      stack[#stack + 1] = j
    end
  end
  seen[1 * (nb + 2) + 1] = true
  while #stack > 0 do
    local j = table.remove(stack)
    local i = table.remove(stack)
    if i > na and j > nb then
      return true
    end
    local x, y = a[i], b[j]
    -- Moves without a character: a star standing for nothing more, a skippable stretch.
    if x then
      if x.skip then
        visit(i + x.skip, j)
      end
      if isStar(x) then
        visit(i + 1, j)
      end
    end
    if y then
      if y.skip then
        visit(i, j + y.skip)
      end
      if isStar(y) then
        visit(i, j + 1)
      end
    end
    -- Moves on one character both stand for (two stars together only loop, so need none).
    if x and y then
      local xs, ys = isStar(x), isStar(y)
      if not xs and not ys then
        if sameChar(x, y) then
          visit(i + 1, j + 1)
        end
      elseif xs and not ys then
        if starTakes(x, y) then
          visit(i, j + 1)
        end
      elseif ys and not xs then
        if starTakes(y, x) then
          visit(i + 1, j)
        end
      end
    end
  end
  return false
end

-- Tokens of each pattern, made once per script run.
local globCache = {}
local function cachedTokens(pattern, literal)
  local key = (literal and 'l' or 'g') .. pattern
  local tokens = globCache[key]
  if not tokens then
    tokens = globTokens(pattern, not literal, literal)
    globCache[key] = tokens
  end
  return tokens
end

local function prefixRelated(a, b)
  return a:sub(1, #b) == b or b:sub(1, #a) == a
end

-- Whether two reservation patterns cover a path in common.
local function patternsOverlap(a, b)
  if a == b then
    return true
  end
  -- A cheap refusal first: the paths each covers start with its literal prefix.
  if not prefixRelated(literalPrefix(a), literalPrefix(b)) then
    return false
  end
  return tokensIntersect(cachedTokens(a, false), cachedTokens(b, false))
end

-- Whether a reservation pattern covers a path (a file's path, taken literally).
local function patternCovers(pattern, path)
  local prefix = literalPrefix(pattern)
  if path:sub(1, #prefix) ~= prefix then
    return false
  end
  return tokensIntersect(cachedTokens(pattern, false), cachedTokens(path, true))
end
