-- A test world for continuous learners: two agents steer a point toward a target with 2-D
-- actions in asymmetric boxes; episodes terminate on arrival or are truncated at the limit.
-- Actions outside the box would be an error of the learner (the host clamps them, so the world
-- reports the largest excess it was sent in info.excess).
local x, y, t, excess = 0, 0, 0, 0
local low, high = {0, -3}, {2, 5}
return {
  agents = 2,
  actions = {continuous = 2, low = low, high = high},
  observation_size = 3,
  episode_limit = 5,
  reset = function(self) x, y, t, excess = 0, 0, 0, 0 end,
  observe = function(self, i, out) out[1], out[2], out[3] = x, y, i end,
  step = function(self, actions)
    t = t + 1
    for i = 1, 2 do
      for d = 1, 2 do
        local a = actions[i][d]
        excess = math.max(excess, low[d] - a, a - high[d])
      end
    end
    x = x + 0.1 * (actions[1][1] + actions[2][1] - 2)
    y = y + 0.1 * (actions[1][2] + actions[2][2] - 2)
    local distance = math.sqrt((x - 0.3) ^ 2 + (y - 0.2) ^ 2)
    local arrived = distance < 0.05
    return -distance, arrived, {excess = excess}
  end,
}
