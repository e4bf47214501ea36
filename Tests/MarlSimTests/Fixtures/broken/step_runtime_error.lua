-- expect line: 12
-- expect rule: step(self, actions) returns
-- expect message: attempt to perform arithmetic on a nil value
return {
  agents = 2,
  actions = {discrete = 3},
  observation_size = 3,
  episode_limit = 5,
  reset = function(self) self.t = 0 end,
  observe = function(self, i, out) out[1], out[2], out[3] = i, self.t, 1 end,
  step = function(self, actions)
    self.t = self.t + self.missing
    return 1, false
  end,
}
