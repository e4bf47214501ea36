-- expect file: modules/boom.lua
-- expect line: 3
-- expect rule: reset(self) starts an episode
-- expect message: attempt to index a nil value (field 'field')
local boom = require("modules.boom")
return {
  agents = 1,
  actions = {discrete = 2},
  observation_size = 1,
  episode_limit = 5,
  observe = function(self, i, out) out[1] = 0 end,
  reset = function(self) boom.explode({}) end,
  step = function(self, actions) return 0, false end,
}
