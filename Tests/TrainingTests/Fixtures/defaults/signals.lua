-- A world written for measuring defaults, with per-agent spaces: a picker (sees one of four
-- targets, four actions, one of the wrong ones masked each step) and a switch (sees one of two
-- lamps, two actions). Each step pays 0.5 for each agent that matches what it sees; 12 steps.
return {
  name = "signals",
  agents = 2, observation_size = {5, 3}, actions = {{discrete = 4}, {discrete = 2}}, episode_limit = 12,
  reset = function(self) self:draw() end,
  draw = function(self)
    self.target, self.lamp = math.random(4), math.random(2)
    self.masked = (self.target + math.random(3) - 1) % 4 + 1
  end,
  observe = function(self, i, out)
    if i == 1 then
      for k = 1, 4 do out[k] = self.target == k and 1 or 0 end
      out[5] = 1
    else
      out[1], out[2], out[3] = self.lamp == 1 and 1 or 0, self.lamp == 2 and 1 or 0, 1
    end
  end,
  available = function(self, i, out)
    if i == 1 then for k = 1, 4 do out[k] = k ~= self.masked end
    else out[1], out[2] = true, true end
  end,
  step = function(self, actions)
    local r = (actions[1] == self.target and 0.5 or 0) + (actions[2] == self.lamp and 0.5 or 0)
    self:draw()
    return r, false
  end,
}
