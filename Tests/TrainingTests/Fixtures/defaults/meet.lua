-- A world written for measuring defaults: three agents on a line of seven cells must stand on
-- one cell together within ten steps (reward 1, the episode ends; otherwise 0). Moving off the
-- line is masked. Random play meets by chance in about half the episodes.
local cells, agents = 7, 3
return {
  name = "meet",
  agents = agents, actions = {discrete = 3}, observation_size = cells + agents - 1, episode_limit = 10,
  reset = function(self)
    self.at = {}
    for i = 1, agents do self.at[i] = math.random(cells) end
  end,
  observe = function(self, i, out)
    for c = 1, cells do out[c] = self.at[i] == c and 1 or 0 end
    local k = cells
    for j = 1, agents do
      if j ~= i then k = k + 1; out[k] = (self.at[j] - self.at[i]) / cells end
    end
  end,
  available = function(self, i, out)
    out[1], out[2], out[3] = true, self.at[i] > 1, self.at[i] < cells
  end,
  step = function(self, actions)
    for i = 1, agents do self.at[i] = self.at[i] + ({0, -1, 1})[actions[i]] end
    local together = self.at[1] == self.at[2] and self.at[2] == self.at[3]
    return together and 1 or 0, together
  end,
}
