-- expect line: 12
-- expect rule: within the time budget
-- expect message: ran longer than the time budget
return {
  agents = 1,
  actions = {discrete = 2},
  observation_size = 1,
  episode_limit = 5,
  observe = function(self, i, out) out[1] = 0 end,
  reset = function(self) end,
  step = function(self, actions)
    while true do end
  end,
}
