-- FACMAC's continuous matrix game (Peng et al. 2021, cts_matrix_game): a 0.01-wide diagonal
-- ridge in the positive quadrant whose value grows with x + y (2.8 at (1, 1)), on a mild
-- quadratic penalty. ADER's path game is a modification of it.
local vectors = require("vectors")

local function reward(x, y)
  local r = -0.1 * (x * x + y * y)
  local gap = math.abs(x - y)
  if x > 0 and y > 0 and gap < 0.01 then
    r = r + math.max(0.1, 1e-5 / (gap + 1e-5)) + (x + y)
  end
  return r
end

return {
  name = "facmac_cmg",
  description = "FACMAC continuous matrix game: a narrow ridge along x = y, max 2.8 at (1, 1)",
  agents = 2,
  actions = {continuous = 1, low = -1, high = 1},
  observation_size = 5,
  state_size = 5,
  episode_limit = 1,
  reward = reward,

  reset = function(self) self.last = nil end,
  observe = function(self, i, out) vectors.fill(out, 5, 1) end,
  state = function(self, out) vectors.fill(out, 5, 1) end,
  step = function(self, actions)
    local x, y = actions[1][1], actions[2][1]
    self.last = {x, y}
    return reward(x, y), true
  end,

  view = {-1, -1, 1, 1},
  render = function(self, draw)
    draw:line(0, 0, 1, 1, "#4caf50")
    if self.last then draw:circle(self.last[1], self.last[2], 0.02, "#e4572e") end
  end,
}
