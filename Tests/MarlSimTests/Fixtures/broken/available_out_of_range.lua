-- expect line: 13
-- expect rule: available(self, i, out) sets out[k]
-- expect message: set out[4], beyond its 3 actions
return {
  agents = 2,
  actions = {discrete = 3},
  observation_size = 1,
  episode_limit = 5,
  observe = function(self, i, out) out[1] = 0 end,
  reset = function(self) end,
  step = function(self, actions) return 0, false end,
  -- action ids run 1..3; this writes a fourth
  available = function(self, i, out) for k = 1, 4 do out[k] = true end end,
}
