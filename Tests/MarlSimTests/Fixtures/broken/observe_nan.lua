-- expect line: 9
-- expect rule: observe(self, i, out) fills
-- expect message: wrote nan at out[1]
return {
  agents = 2,
  actions = {discrete = 3},
  observation_size = 3,
  episode_limit = 5,
  observe = function(self, i, out) out[1], out[2], out[3] = 0 / 0, 1, 1 end,
  reset = function(self) end,
  step = function(self, actions) return 1, false end,
}
