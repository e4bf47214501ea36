-- expect line: 11
-- expect rule: state(self, out) fills out[1..state_size]
-- expect message: left out[4] empty
return {
  agents = 2,
  actions = {discrete = 3},
  observation_size = 1,
  state_size = 4,
  episode_limit = 5,
  observe = function(self, i, out) out[1] = 0 end,
  state = function(self, out) for k = 1, 3 do out[k] = k end end,
  reset = function(self) end,
  step = function(self, actions) return 0, false end,
}
