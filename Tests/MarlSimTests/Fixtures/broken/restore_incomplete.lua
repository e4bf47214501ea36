-- expect line: none
-- expect rule: restore(self, t) sets the world state
-- expect message: the snapshot misses part of the world state
local position = 0
return {
  agents = 1,
  actions = {discrete = 2},
  observation_size = 1,
  episode_limit = 5,
  observe = function(self, i, out) out[1] = position end,
  reset = function(self) position = math.random(1, 1000) end,
  step = function(self, actions) position = position + actions[1]; return 0, false end,
  snapshot = function(self) return {} end,
  restore = function(self, t) end,
}
