-- expect line: 5
-- expect rule: the world table declares
-- expect message: agents must be between 1 and 4096, got 0
return {
  agents = 0,
  actions = {discrete = 3},
  observation_size = 1,
  episode_limit = 5,
  observe = function(self, i, out) out[1] = 0 end,
  reset = function(self) end,
  step = function(self, actions) return 0, false end,
}
