-- expect line: 6
-- expect rule: the world table declares
-- expect message: unknown action-space kind or field 'box'
return {
  agents = 2,
  actions = {box = 2},
  observation_size = 1,
  episode_limit = 5,
  observe = function(self, i, out) out[1] = 0 end,
  reset = function(self) end,
  step = function(self, actions) return 0, false end,
}
