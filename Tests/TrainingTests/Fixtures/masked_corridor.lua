-- A test world for learners: availability changes every step, and episodes either terminate
-- (reaching the goal) or are truncated at the limit. Each agent may only choose actions whose
-- parity matches the step, so a learner that ignores masks is stopped by the host.
local position, t = 0, 0
return {
  agents = 2,
  actions = {discrete = 4},
  observation_size = 3,
  episode_limit = 6,
  reset = function(self) position, t = 0, 0 end,
  observe = function(self, i, out) out[1], out[2], out[3] = position / 6, t / 6, i end,
  available = function(self, i, out)
    for k = 1, 4 do out[k] = (k + t + i) % 2 == 0 end
  end,
  step = function(self, actions)
    t = t + 1
    if actions[1] == 4 or actions[1] == 3 then position = position + 1 end
    local reached = position >= 3
    return reached and 1 or -0.1, reached
  end,
}
