-- A misspelled optional field: `avaliable` would leave every action available without a word.
-- expect line: 10
-- expect rule: the world table's fields are the contract's names
-- expect message: the world table has a field 'avaliable' that the contract does not know (did you mean available?)
return {
  agents = 2,
  actions = {discrete = 3},
  observation_size = 1,
  episode_limit = 5,
  avaliable = function(self, i, out) out[1], out[2], out[3] = true, false, true end,
  reset = function(self) end,
  observe = function(self, i, out) out[1] = 1 end,
  step = function(self, actions) return 0, false end,
}
