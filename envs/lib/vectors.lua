-- Small helpers shared by worlds: writing observation vectors without creating tables.
local vectors = {}

-- out[1..n] = value
function vectors.fill(out, n, value)
  for k = 1, n do out[k] = value end
  return out
end

-- out[1..n] = 0 except out[k] = 1
function vectors.one_hot(out, n, k)
  for j = 1, n do out[j] = 0 end
  out[k] = 1
  return out
end

function vectors.clamp(v, lo, hi)
  if v < lo then return lo elseif v > hi then return hi end
  return v
end

function vectors.distance(x1, y1, x2, y2)
  local dx, dy = x1 - x2, y1 - y2
  return math.sqrt(dx * dx + dy * dy)
end

return vectors
