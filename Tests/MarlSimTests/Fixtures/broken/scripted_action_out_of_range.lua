-- expect line: 12
-- expect rule: scripted_action(self, i) returns agent i's action as step takes it
-- expect message: scripted_action for agent 2 returned the action 6, outside 1..5
return {
  agents = 2,
  actions = {discrete = 5},
  observation_size = 1,
  episode_limit = 5,
  reset = function(self) end,
  observe = function(self, i, out) out[1] = 0 end,
  step = function(self, actions) return 1, false end,
  scripted_action = function(self, i) return i == 1 and 1 or 6 end,
}
