-- A world written for measuring defaults, with per-agent spaces: a walker (moves in the plane,
-- two action values) and a rail cart (moves along x only, one value) should meet. Each step costs
-- the distance between them divided by the episode length, so a return of 0 is a perfect meeting.
local limit = 20
local function clamp(x) return math.max(-1, math.min(1, x)) end
return {
  name = "rendezvous",
  agents = 2, observation_size = {4, 3}, episode_limit = limit,
  actions = {{continuous = 2, low = -1, high = 1}, {continuous = 1, low = -1, high = 1}},
  reset = function(self)
    self.wx, self.wy = 2 * math.random() - 1, 2 * math.random() - 1
    self.cx = 2 * math.random() - 1
  end,
  observe = function(self, i, out)
    if i == 1 then out[1], out[2], out[3], out[4] = self.wx, self.wy, self.cx - self.wx, -self.wy
    else out[1], out[2], out[3] = self.cx, self.wx - self.cx, self.wy end
  end,
  step = function(self, actions)
    self.wx = clamp(self.wx + 0.1 * actions[1][1])
    self.wy = clamp(self.wy + 0.1 * actions[1][2])
    self.cx = clamp(self.cx + 0.1 * actions[2][1])
    local dx, dy = self.wx - self.cx, self.wy
    return -math.sqrt(dx * dx + dy * dy) / limit, false
  end,
}
