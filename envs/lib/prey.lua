-- FACMAC's scripted prey ("flee the nearest predator", docs/worlds.md §5.3), shared by
-- the predator-prey worlds.
local prey = {}

local candidates = 100

-- A flee(k) for particle world w whose predators are entities 1..predators with radius
-- predator_size, for prey of radius prey_size; it returns prey k's force for this step.
function prey.fleeing(w, predators, predator_size, prey_size, force_scale)
  local px, py = w.px, w.py
  local radius, angle, near = {}, {}, {}
  local touch = predator_size + prey_size
  local reach2 = (1.01 + predator_size + prey_size) ^ 2     -- with slack: only a prefilter
  local random, sqrt, cos, sin, pi = math.random, math.sqrt, math.cos, math.sin, math.pi

  -- Of 100 points uniform in the unit disc around the prey, move toward the one farthest from the
  -- nearest predator, never into a predator (centre distance below the radii); the displacement itself is the force. Same draws and
  -- same choice as FACMAC, computed lazily: squared distances instead of distances, and a point at
  -- radius r cannot beat the best so far unless (d0 + r)^2 exceeds it (d0: prey to nearest
  -- predator), so most points need no root, cosine or sine.
  return function(k)
    for j = 1, candidates do radius[j] = random() end     -- r = sqrt(u), taken when needed
    for j = 1, candidates do angle[j] = random() end      -- theta = 2 pi u, taken when needed
    local x, y = px[k], py[k]
    local nearest, best = 1, math.huge
    local close, closes = near, 0      -- only predators within reach of the unit disc can block a point
    for i = 1, predators do
      local dx, dy = px[i] - x, py[i] - y
      local d = dx * dx + dy * dy
      if d < best then nearest, best = i, d end
      if d < reach2 then closes = closes + 1; close[closes] = i end
    end
    local nx, ny, d0 = px[nearest], py[nearest], sqrt(best)
    local choice, top, skip, cx, cy = 0, -1, -1, 0, 0
    for j = 1, candidates do
      local u = radius[j]
      if u > skip then
        local r, theta = sqrt(u), 2 * pi * angle[j]
        local ox, oy = r * cos(theta), r * sin(theta)
        local qx, qy = x + ox, y + oy
        local dx, dy = nx - qx, ny - qy
        local score = dx * dx + dy * dy
        if score > top then
          local free = true
          for c = 1, closes do
            local i = close[c]
            local ex, ey = px[i] - qx, py[i] - qy
            if sqrt(ex * ex + ey * ey) < touch then free = false break end
          end
          if free then
            choice, top, cx, cy = j, score, ox, oy
            local m = sqrt(top) - d0     -- radius a point needs to possibly score higher
            skip = m > 0 and m * m * (1 - 1e-9) or -1
          end
        end
      end
    end
    if choice == 0 then return 0, 0 end
    return cx * force_scale, cy * force_scale
  end
end

return prey
