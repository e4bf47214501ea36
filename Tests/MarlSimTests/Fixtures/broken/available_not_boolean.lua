-- expect line: 12
-- expect rule: available(self, i, out) sets out[k] to true or false
-- expect message: set out[2] to the number 1
return {
  agents = 2,
  actions = {discrete = 3},
  observation_size = 1,
  episode_limit = 5,
  observe = function(self, i, out) out[1] = 0 end,
  reset = function(self) end,
  step = function(self, actions) return 0, false end,
  available = function(self, i, out) out[1], out[2], out[3] = true, 1, true end,
}
