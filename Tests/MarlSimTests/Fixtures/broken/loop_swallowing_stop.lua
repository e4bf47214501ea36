-- expect line: 12
-- expect rule: within the time budget
-- expect message: ran longer than the time budget
local function spin() while true do end end
return {
  agents = 1,
  actions = {discrete = 2},
  observation_size = 1,
  episode_limit = 5,
  observe = function(self, i, out) out[1] = 0 end,
  reset = function(self)
    while true do pcall(spin) end
  end,
  step = function(self, actions) return 0, false end,
}
