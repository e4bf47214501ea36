-- A recommended setting outside its range: a discount above 1.
-- expect line: none
-- expect rule: a world's settings table names learners and their settings
-- expect message: settings.qmix.gamma = 1.5: setting 'gamma' must be in [0, 1], got 1.5
return {
  agents = 2,
  actions = {discrete = 3},
  observation_size = 1,
  episode_limit = 1,
  settings = {qmix = {gamma = 1.5}},
  reset = function(self) end,
  observe = function(self, i, out) out[1] = 1 end,
  step = function(self, actions) return 0, true end,
}
