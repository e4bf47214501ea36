-- expect line: none
-- expect rule: the world table declares
-- expect message: the world has no step function
return {
  agents = 2,
  actions = {discrete = 3},
  observation_size = 1,
  episode_limit = 5,
  observe = function(self, i, out) out[1] = 0 end,
  reset = function(self) end,
}
