-- A settings table with a key the learner does not have: `lambda` is QMIX's `td_lambda`.
-- expect line: none
-- expect rule: a world's settings table names learners and their settings
-- expect message: settings.qmix.lambda = 0.6: qmix has no setting 'lambda' (did you mean td_lambda?)
return {
  agents = 2,
  actions = {discrete = 3},
  observation_size = 1,
  episode_limit = 1,
  settings = {all = {steps = 2000}, qmix = {lambda = 0.6}},
  reset = function(self) end,
  observe = function(self, i, out) out[1] = 1 end,
  step = function(self, actions) return 0, true end,
}
