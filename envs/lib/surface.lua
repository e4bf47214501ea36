-- One-step cooperative games on a reward surface: two agents each choose one value in [-1, 1],
-- the joint action (x, y) is a point, and the team is paid reward(x, y). Observations and the
-- state are constant, as in FACMAC's continuous matrix game.
local vectors = require("vectors")

local surface = {}

-- game: name, description, options, reward(x, y), and optionally settings (recommended learner
-- settings, as in any world), scale (the world multiplies
-- each action by it), observation_size and observation_value (the constant observation),
-- view, decorate(draw) for the fixed parts of the picture, marker (radius of the action dot),
-- settings (recommended learner settings, as in any world).
function surface.world(game)
  local scale = game.scale or 1
  local size = game.observation_size or 5
  local value = game.observation_value or 1
  local last_x, last_y

  return {
    name = game.name,
    description = game.description,
    options = game.options,
    settings = game.settings,
    agents = 2,
    actions = {continuous = 1, low = -1, high = 1},
    observation_size = size,
    state_size = size,
    episode_limit = 1,
    reward = game.reward,

    reset = function(self) last_x, last_y = nil, nil end,
    observe = function(self, i, out) vectors.fill(out, size, value) end,
    state = function(self, out) vectors.fill(out, size, value) end,
    step = function(self, actions)
      last_x, last_y = scale * actions[1][1], scale * actions[2][1]
      return game.reward(last_x, last_y), true
    end,

    view = game.view or {-scale, -scale, scale, scale},
    render = function(self, draw)
      if game.decorate then game.decorate(draw) end
      if last_x then draw:circle(last_x, last_y, game.marker or 0.02 * scale, "#e4572e") end
    end,
  }
end

return surface
