-- The world `marl-sim bench worlds` measures the host's cost per step on: 3 agents moving among
-- 3 landmarks, 24 observation values per agent and a 72-value state, written the way a fast
-- world is written (locals, preallocated tables, no garbage per step).
local agents, landmarks = 3, 3
local px, py, vx, vy = {}, {}, {}, {}
local lx, ly = {}, {}
local moves = {{0, 0}, {1, 0}, {-1, 0}, {0, 1}, {0, -1}}
local random, sqrt = math.random, math.sqrt

local function fill(i, out, base)
  out[base + 1], out[base + 2], out[base + 3], out[base + 4] = vx[i], vy[i], px[i], py[i]
  local k = base + 4
  for j = 1, landmarks do
    local dx, dy = lx[j] - px[i], ly[j] - py[i]
    out[k + 1], out[k + 2], out[k + 3] = dx, dy, sqrt(dx * dx + dy * dy)
    k = k + 3
  end
  for j = 1, agents do
    if j ~= i then
      local dx, dy = px[j] - px[i], py[j] - py[i]
      out[k + 1], out[k + 2], out[k + 3], out[k + 4] = dx, dy, vx[j], vy[j]
      k = k + 4
    end
  end
  out[k + 1], out[k + 2] = i, agents - i   -- 4 + 9 + 8 + 2 = 23 values so far
  out[k + 3] = 1
end

return {
  name = "host_overhead",
  description = "benchmark world: 3 agents x 24 observation values, 72-value state",
  agents = agents,
  actions = {discrete = 5},
  observation_size = 24,
  state_size = 72,
  episode_limit = 25,

  reset = function(self)
    for i = 1, agents do px[i], py[i], vx[i], vy[i] = 2 * random() - 1, 2 * random() - 1, 0, 0 end
    for j = 1, landmarks do lx[j], ly[j] = 2 * random() - 1, 2 * random() - 1 end
  end,
  observe = function(self, i, out) fill(i, out, 0) end,
  state = function(self, out)
    for i = 1, agents do fill(i, out, 24 * (i - 1)) end
  end,
  step = function(self, actions)
    local reward = 0
    for i = 1, agents do
      local m = moves[actions[i]]
      vx[i], vy[i] = 0.75 * vx[i] + 0.1 * m[1], 0.75 * vy[i] + 0.1 * m[2]
      px[i], py[i] = px[i] + 0.1 * vx[i], py[i] + 0.1 * vy[i]
    end
    for j = 1, landmarks do
      local best = math.huge
      for i = 1, agents do
        local dx, dy = lx[j] - px[i], ly[j] - py[i]
        local d = dx * dx + dy * dy
        if d < best then best = d end
      end
      reward = reward - sqrt(best)
    end
    return reward, false
  end,
}
