-- expect line: 12
-- expect rule: snapshot(self) returns plain data
-- expect message: snapshot().callback is a function
return {
  agents = 1,
  actions = {discrete = 2},
  observation_size = 1,
  episode_limit = 5,
  observe = function(self, i, out) out[1] = 0 end,
  reset = function(self) end,
  step = function(self, actions) return 0, false end,
  snapshot = function(self) return {callback = print} end,
  restore = function(self, t) end,
}
