-- FACMAC's continuous matrix game (Peng et al. 2021, cts_matrix_game): a 0.01-wide diagonal
-- ridge in the positive quadrant whose value grows with x + y (2.8 at (1, 1)), on a mild
-- quadratic penalty. ADER's path game is a modification of it.
local surface = require("surface")
local recorded = require("recorded_settings")

local function reward(x, y)
  local r = -0.1 * (x * x + y * y)
  local gap = math.abs(x - y)
  if x > 0 and y > 0 and gap < 0.01 then
    r = r + math.max(0.1, 1e-5 / (gap + 1e-5)) + (x + y)
  end
  return r
end

return surface.world {
  name = "facmac_cmg",
  description = "FACMAC continuous matrix game: a narrow ridge along x = y, max 2.8 at (1, 1)",
  -- Settings: the recorded defaults the documented results were produced with, so that they stay
  -- reproducible (envs/lib/recorded_settings.lua).
  settings = recorded.continuous_learners(),
  reward = reward,
  decorate = function(draw) draw:line(0, 0, 1, 1, "#4caf50") end,
}
