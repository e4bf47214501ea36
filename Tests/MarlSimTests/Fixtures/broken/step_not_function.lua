-- expect line: 11
-- expect rule: the world table declares
-- expect message: step must be a function, got string
return {
  agents = 1,
  actions = {discrete = 2},
  observation_size = 1,
  episode_limit = 5,
  observe = function(self, i, out) out[1] = 0 end,
  reset = function(self) end,
  step = "move",
}
