-- Cooperative navigation as VM3-AC uses it (ENVIRONMENTS.md section 8.1): simple_spread with the
-- OpenAI/MADDPG conventions (vel-first, collisions counting self, the agents' rewards summed) and
-- continuous 2-D forces in [-1, 1]^2; N agents and N landmarks.
local spread = require("spread")

return function(options)
  local world = spread {name = "navigation", preset = "simple", actions = "box", agents = options.agents or 3}
  world.description = "cooperative navigation (VM3-AC): " .. world.agents .. " agents cover as many landmarks with 2-D forces"
  world.options = {agents = {default = 3, help = "agents and landmarks"}}
  return world
end
