-- expect line: none
-- expect rule: the same seed gives the same episodes
-- expect message: two runs with the same seed differ
local calls = 0
return {
  agents = 1,
  actions = {discrete = 2},
  observation_size = 1,
  episode_limit = 50,
  observe = function(self, i, out) out[1] = os.clock() end,
  reset = function(self) end,
  step = function(self, actions) local s = 0; for k = 1, 20000 do s = s + k end; return 0, false end,
}
