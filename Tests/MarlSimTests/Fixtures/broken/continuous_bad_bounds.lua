-- expect line: 6
-- expect rule: the world table declares
-- expect message: low must be below high
return {
  agents = 2,
  actions = {continuous = 2, low = 1, high = -1},
  observation_size = 1,
  episode_limit = 5,
  observe = function(self, i, out) out[1] = 0 end,
  reset = function(self) end,
  step = function(self, actions) return 0, false end,
}
