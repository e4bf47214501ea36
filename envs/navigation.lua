-- Cooperative navigation as VM3-AC uses it (docs/worlds.md §8.1): simple_spread with the
-- OpenAI/MADDPG conventions (vel-first, collisions counting self, the agents' rewards summed) and
-- continuous 2-D forces in [-1, 1]^2; N agents and N landmarks.
local spread = require("spread")

return {
  options = {agents = {default = 3, help = "agents and landmarks, at least 1"}},

  build = function(options)
    -- spread's build expects every option it declares: its defaults, then this world's choices.
    local given = {}
    for name, option in pairs(spread.options) do given[name] = option.default end
    given.preset, given.actions, given.agents = "simple", "box", options.agents
    local world = spread.build(given)
    world.name = "navigation"
    world.description = "cooperative navigation (VM3-AC): " .. world.agents .. " agents cover as many landmarks with 2-D forces"
    return world
  end,
}
