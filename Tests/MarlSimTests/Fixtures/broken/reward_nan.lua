-- expect line: 11
-- expect rule: step(self, actions) returns the team reward
-- expect message: step returned the reward nan
return {
  agents = 2,
  actions = {discrete = 3},
  observation_size = 1,
  episode_limit = 5,
  observe = function(self, i, out) out[1] = 0 end,
  reset = function(self) end,
  step = function(self, actions)
    return math.sqrt(-1), false
  end,
}
