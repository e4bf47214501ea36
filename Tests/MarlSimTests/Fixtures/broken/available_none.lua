-- expect line: 12
-- expect rule: with at least one true
-- expect message: offers no action
return {
  agents = 2,
  actions = {discrete = 3},
  observation_size = 1,
  episode_limit = 5,
  observe = function(self, i, out) out[1] = 0 end,
  reset = function(self) end,
  step = function(self, actions) return 0, false end,
  available = function(self, i, out) out[1], out[2], out[3] = false, false, false end,
}
