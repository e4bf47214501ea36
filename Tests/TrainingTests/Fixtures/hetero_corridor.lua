-- A heterogeneous test world for discrete learners: three agents whose observation sizes
-- (3, 5, 3) and action counts (4, 2, 4) differ, agents 1 and 3 alike (one group that is not
-- contiguous in world order). Availability changes every step by parity, so a learner that
-- ignores an agent's masks or picks an action beyond its own count is stopped by the host.
-- Episodes terminate at the goal (reward 1) or are truncated at 6 steps.
local position, t = 0, 0
local sizes, counts = {3, 5, 3}, {4, 2, 4}
return {
  agents = 3,
  actions = {{discrete = 4}, {discrete = 2}, {discrete = 4}},
  observation_size = sizes,
  episode_limit = 6,
  reset = function(self) position, t = 0, 0 end,
  observe = function(self, i, out)
    for k = 1, sizes[i] do out[k] = 0 end
    out[1], out[2], out[3] = position / 6, t / 6, i
  end,
  available = function(self, i, out)
    for k = 1, counts[i] do out[k] = (k + t + i) % 2 == 0 end
  end,
  step = function(self, actions)
    t = t + 1
    if actions[1] >= 3 then position = position + 1 end
    local reached = position >= 2
    return reached and 1 or -0.1, reached
  end,
}
