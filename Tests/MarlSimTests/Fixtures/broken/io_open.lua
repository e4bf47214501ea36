-- expect line: 10
-- expect rule: worlds run in a sandbox
-- expect message: global 'io'
return {
  agents = 1,
  actions = {discrete = 2},
  observation_size = 1,
  episode_limit = 5,
  observe = function(self, i, out) out[1] = 0 end,
  reset = function(self) self.f = io.open("/etc/passwd") end,
  step = function(self, actions) return 0, false end,
}
