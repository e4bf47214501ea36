-- A heterogeneous test world for continuous learners: three agents with observation sizes
-- (2, 4, 2) and action dimensions (1, 3, 1) in different boxes (agents 1 and 3 alike) steer a
-- point toward a target; episodes terminate on arrival or are truncated at 5 steps. The host
-- clamps actions to each box, so the world reports the largest excess it was sent in info.excess.
local x, y, t, excess = 0, 0, 0, 0
local boxes = {{low = {0}, high = {2}}, {low = {-3, 0, -1}, high = {5, 1, 1}}, {low = {0}, high = {2}}}
local sizes = {2, 4, 2}
return {
  agents = 3,
  actions = {{continuous = 1, low = 0, high = 2}, {continuous = 3, low = {-3, 0, -1}, high = {5, 1, 1}},
             {continuous = 1, low = 0, high = 2}},
  observation_size = sizes,
  episode_limit = 5,
  reset = function(self) x, y, t, excess = 0, 0, 0, 0 end,
  observe = function(self, i, out)
    for k = 1, sizes[i] do out[k] = 0 end
    out[1], out[2] = x, y
    if sizes[i] > 2 then out[3] = i end
  end,
  step = function(self, actions)
    t = t + 1
    for i = 1, 3 do
      for d, a in ipairs(actions[i]) do
        excess = math.max(excess, boxes[i].low[d] - a, a - boxes[i].high[d])
      end
    end
    x = x + 0.1 * (actions[1][1] + actions[3][1] - 2)
    y = y + 0.1 * actions[2][1]
    local distance = math.sqrt((x - 0.3) ^ 2 + (y - 0.2) ^ 2)
    local arrived = distance < 0.05
    return -distance, arrived, {excess = excess}
  end,
}
