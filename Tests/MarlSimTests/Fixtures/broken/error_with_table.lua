-- expect line: 10
-- expect rule: reset(self) starts an episode
-- expect message: error object is a table value
return {
  agents = 1,
  actions = {discrete = 2},
  observation_size = 1,
  episode_limit = 5,
  observe = function(self, i, out) out[1] = 0 end,
  reset = function(self) error({code = 7}) end,
  step = function(self, actions) return 0, false end,
}
