"""Worlds written in the tests (not in the repository): a user's world with unusual sizes,
per-agent spaces and a mixed team, and hostile ones."""
from pathlib import Path

# Three agents that differ in everything: observation sizes 1, 7 and 2; a discrete agent with 11
# actions (only odd ids available), a continuous agent of 3 dimensions with uneven bounds, and a
# discrete agent with 2 actions; a 5-value state; info fields; a snapshot; episodes of 13 steps.
ODD_TEAM = """
local t, pos, last = 0, {0, 0, 0}, 0
return {
  name = "odd_team", agents = 3, episode_limit = 13, state_size = 5,
  observation_size = {1, 7, 2},
  actions = {{discrete = 11}, {continuous = 3, low = {-2, 0, -0.5}, high = {2, 1, 0.5}}, {discrete = 2}},
  reset = function(self) t = 0; last = 0; for k = 1, 3 do pos[k] = math.random() - 0.5 end end,
  observe = function(self, i, out)
    if i == 1 then out[1] = t / 13
    elseif i == 2 then for k = 1, 7 do out[k] = pos[(k - 1) % 3 + 1] * k end
    else out[1] = last; out[2] = -t end
  end,
  state = function(self, out) out[1] = t; out[2] = pos[1]; out[3] = pos[2]; out[4] = pos[3]; out[5] = last end,
  available = function(self, i, out)
    if i == 1 then for k = 1, 11 do out[k] = k % 2 == 1 end
    else for k = 1, 2 do out[k] = true end end
  end,
  step = function(self, actions)
    t = t + 1
    for k = 1, 3 do pos[k] = pos[k] + 0.1 * actions[2][k] end
    last = actions[1] / 11 + actions[3]
    local reward = -math.abs(pos[1]) - math.abs(pos[2] - 0.5) + (actions[1] == 11 and 1 or 0) + math.random() * 0.01
    return reward, t >= 13 and pos[3] > 10, {moved = actions[2][1], wins = 0}
  end,
  snapshot = function(self) return {t = t, pos = {pos[1], pos[2], pos[3]}, last = last} end,
  restore = function(self, s) t = s.t; pos = {s.pos[1], s.pos[2], s.pos[3]}; last = s.last end,
  render = function(self, draw) for k = 1, 3 do draw:circle(pos[k], k * 0.2, 0.05, "#e4572e") end end,
}
"""

RUNTIME_ERROR = """
return {
  name = "broken", agents = 1, actions = {discrete = 2}, observation_size = 1, episode_limit = 5,
  reset = function(self) end,
  observe = function(self, i, out) out[1] = 0 end,
  step = function(self, actions)
    local missing = nil
    return missing.field, false
  end,
}
"""

INFINITE_LOOP = """
return {
  name = "loops", agents = 1, actions = {discrete = 2}, observation_size = 1, episode_limit = 5,
  reset = function(self) end,
  observe = function(self, i, out) out[1] = 0 end,
  step = function(self, actions)
    local n = 0
    while true do n = n + 1 end
  end,
}
"""

MEMORY_BOMB = """
return {
  name = "bomb", agents = 1, actions = {discrete = 2}, observation_size = 1, episode_limit = 5,
  reset = function(self)
    local hoard = {}
    for k = 1, 1e9 do hoard[k] = string.rep("x", 64) .. k end
  end,
  observe = function(self, i, out) out[1] = 0 end,
  step = function(self, actions) return 0, false end,
}
"""


def write(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.write_text(text)
    return str(path)
