-- expect line: 11
-- expect rule: terminated (a boolean or nil)
-- expect message: as terminated
return {
  agents = 2,
  actions = {discrete = 3},
  observation_size = 1,
  episode_limit = 5,
  observe = function(self, i, out) out[1] = 0 end,
  reset = function(self) end,
  step = function(self, actions) return 0, "yes" end,
}
