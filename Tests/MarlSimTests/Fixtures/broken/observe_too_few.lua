-- expect line: 9
-- expect rule: observe(self, i, out) fills out[1..observation_size]
-- expect message: left out[3] empty
return {
  agents = 2,
  actions = {discrete = 3},
  observation_size = 3,
  episode_limit = 5,
  observe = function(self, i, out) out[1], out[2] = i, 0 end,
  reset = function(self) end,
  step = function(self, actions) return 1, false end,
}
