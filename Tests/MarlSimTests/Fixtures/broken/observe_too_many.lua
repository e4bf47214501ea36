-- expect line: 9
-- expect rule: observe(self, i, out) fills
-- expect message: wrote more than observation_size = 3 values
return {
  agents = 2,
  actions = {discrete = 3},
  observation_size = 3,
  episode_limit = 5,
  observe = function(self, i, out) for k = 1, 4 do out[k] = k end end,
  reset = function(self) end,
  step = function(self, actions) return 1, false end,
}
