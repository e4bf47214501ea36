-- expect line: none
-- expect rule: stays within its memory cap
-- expect message: not enough memory
local hoard = {}
return {
  agents = 1,
  actions = {discrete = 2},
  observation_size = 1,
  episode_limit = 5,
  observe = function(self, i, out) out[1] = 0 end,
  reset = function(self)
    local i = 0
    while true do i = i + 1; hoard[i] = string.rep("x", 1 << 24) .. i end
  end,
  step = function(self, actions) return 0, false end,
}
