-- expect line: 9
-- expect rule: observe(self, i, out) fills
-- expect message: returned the number 5.0
return {
  agents = 2,
  actions = {discrete = 3},
  observation_size = 3,
  episode_limit = 5,
  observe = function(self, i, out) return 5 end,
  reset = function(self) end,
  step = function(self, actions) return 1, false end,
}
