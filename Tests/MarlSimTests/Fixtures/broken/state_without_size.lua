-- expect line: 11
-- expect rule: the world table declares
-- expect message: the world has a state function but no state_size
return {
  agents = 1,
  actions = {discrete = 2},
  observation_size = 1,
  episode_limit = 5,
  observe = function(self, i, out) out[1] = 0 end,
  reset = function(self) end,
  state = function(self, out) out[1] = 0 end,
  step = function(self, actions) return 0, false end,
}
