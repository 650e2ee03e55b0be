-- Walks a zset for one page: in score order from after `cursor` (a score, '' from the start),
-- or from the top down with `reverse`, passing at most `most` entries, read 100 at a time.
-- visit(id, score) is called on each entry and answers:
--   nil     the entry is passed; go on
--   'full'  the entry is passed and the page is full: stop
--   'next'  stop before the entry (it did not fit): the next cursor resumes at it
--   'end'   stop before the entry, and nothing past it is wanted: no next cursor
-- Returns the next cursor: the score of the last entry passed when entries follow it, or ''.
local function walkPage(key, cursor, reverse, most, visit)
  local range, far = 'ZRANGEBYSCORE', '+inf'
  if reverse then
    range, far = 'ZREVRANGEBYSCORE', '-inf'
  end
  local near = cursor == '' and (reverse and '+inf' or '-inf') or '(' .. cursor
  local passed, last, answer = 0, nil, nil
  while passed < most and answer == nil do
    local batch = redis.call(range, key, near, far, 'WITHSCORES', 'LIMIT', 0, math.min(100, most - passed))
    if #batch == 0 then
      break
    end
    for i = 1, #batch, 2 do
      answer = visit(batch[i], batch[i + 1])
      if answer == 'next' or answer == 'end' then
        break
      end
      passed, last, near = passed + 1, batch[i + 1], '(' .. batch[i + 1]
      if answer == 'full' then
        break
      end
    end
  end
  if answer == 'end' or not last then
    return ''
  end
  local beyond = reverse and redis.call('ZCOUNT', key, '-inf', near) or redis.call('ZCOUNT', key, near, '+inf')
  return beyond > 0 and last or ''
end
