-- expect line: 13
-- expect rule: render(self, draw) draws with draw:circle/line/rect/text using finite numbers
-- expect message: draw:circle: r must be a finite number, got big
return {
  agents = 2,
  actions = {discrete = 2},
  observation_size = 1,
  episode_limit = 1,
  reset = function(self) end,
  observe = function(self, i, out) out[1] = 1 end,
  step = function(self, actions) return actions[1] == actions[2] and 1 or 0, true end,
  render = function(self, draw)
    draw:circle(0, 0, "big")
  end,
}
