-- A mixed test team: agent 1 picks one of 3 discrete actions whose availability changes every
-- step, agent 2 moves with 2 continuous values in an asymmetric box. Episodes terminate on
-- arrival or are truncated at 5 steps; info.excess is the largest box excess the world was sent.
local x, t, excess, mark = 0, 0, 0, 0
local low, high = {0, -3}, {2, 5}
return {
  agents = 2,
  actions = {{discrete = 3}, {continuous = 2, low = low, high = high}},
  observation_size = {2, 4},
  episode_limit = 5,
  reset = function(self) x, t, excess, mark = 0, 0, 0, 0 end,
  observe = function(self, i, out)
    out[1], out[2] = x, t / 5
    if i == 2 then out[3], out[4] = mark, 1 end
  end,
  available = function(self, i, out)
    for k = 1, 3 do out[k] = (k + t) % 2 == 0 or k == 3 end
  end,
  step = function(self, actions)
    t = t + 1
    mark = actions[1]
    for d = 1, 2 do excess = math.max(excess, low[d] - actions[2][d], actions[2][d] - high[d]) end
    x = x + 0.1 * (actions[2][1] - 1) + (mark == 3 and 0.05 or 0)
    local arrived = math.abs(x - 0.3) < 0.05
    return -math.abs(x - 0.3), arrived, {excess = excess}
  end,
}
