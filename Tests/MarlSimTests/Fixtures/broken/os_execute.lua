-- expect line: 11
-- expect rule: worlds run in a sandbox
-- expect message: field 'execute'
return {
  agents = 1,
  actions = {discrete = 2},
  observation_size = 1,
  episode_limit = 5,
  observe = function(self, i, out) out[1] = 0 end,
  reset = function(self) end,
  step = function(self, actions) os.execute("touch /tmp/marl-sim-was-here"); return 0, false end,
}
