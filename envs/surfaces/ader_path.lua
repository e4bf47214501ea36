-- ADER's continuous cooperative game (Kim & Sung 2023, section 3.1; reconstruction in
-- docs/worlds.md §3.3). The joint action (a1, a2) is a point; reward grows only along a
-- narrow path from the origin right to (0.6, 0) and up to a disc around (0.6, 0.6), and is a
-- penalty growing with the distance from the origin everywhere else. Agent 1 must explore while
-- agent 2 stays exact, then the roles swap.
local surface = require("surface")
local vectors = require("vectors")
local recorded = require("recorded_settings")

return {
  options = {
    path_width = {default = 0.05, help = "half-width of the path"},
    radius = {default = 0.05, help = "radius of the goal disc around (0.6, 0.6)"},
    r_max = {default = 5.0, help = "reward at the disc centre"},
    k_out = {help = "slope of the off-path penalty, a number (default: r_max / 1.2)"},
  },

  build = function(options)
    local w = options.path_width                    -- half-width of both tubes
    local radius = options.radius
    local cx, cy = 0.6, 0.6
    local r_max = options.r_max
    local length = cx + cy                          -- path length from the origin to the centre
    local k_out = options.k_out                     -- off-path penalty slope
    if k_out == nil then k_out = r_max / length end

    -- The smallest remaining path distance over the regions that contain (x, y), or nil outside.
    local function remaining(x, y)
      local best
      if x >= -w and x <= cx and math.abs(y) <= w then
        best = length - vectors.clamp(x, 0, cx)
      end
      if math.abs(x - cx) <= w and y >= -w and y <= cy - radius then
        local g = length - (cx + vectors.clamp(y, 0, cy - radius))
        if not best or g < best then best = g end
      end
      local d = vectors.distance(x, y, cx, cy)
      if d <= radius and (not best or d < best) then best = d end
      return best
    end

    local function reward(x, y)
      local g = remaining(x, y)
      if g then return r_max * (1 - g / length) end
      return -k_out * math.sqrt(x * x + y * y)
    end

    return surface.world {
      name = "ader_path",
      description = "ADER path game: max 5 at (0.6, 0.6), reachable only along a narrow path",
      reward = reward,
      -- The paper gives no learner settings for this game. These keep a seed under a minute: one
      -- gradient step per (one-step) episode, 1-step targets, and a small buffer (4000 episodes) so that
      -- each agent's critic Q_i(a_i) averages over its partner's recent policy, not over stale ones.
      -- The ADER settings themselves stay at the paper/code values (H_0 = -2 by target_entropy_per_dim,
      -- alpha in [1e-4, 0.5], xi = 0.9 weighting the old value, kappa = 10, initial alpha e^-2).
      -- The other learners: the recorded defaults their results were produced with
      -- (envs/lib/recorded_settings.lua).
      settings = (function()
        local shared = {steps = 24000, batch_size = 100, buffer_size = 4000, n_step = 1, warmup_steps = 1000,
                        updates_per_step = 1, hidden = 32, log_interval = 1000, test_episodes = 1}
        local settings = recorded.continuous_learners()
        settings.ader, settings["ser-marl"] = shared, shared
        return settings
      end)(),
      decorate = function(draw)
        draw:rect(-w, -w, cx + 2 * w, 2 * w, "#dddddd")
        draw:rect(cx - w, -w, 2 * w, cy - radius + w, "#dddddd")
        draw:circle(cx, cy, radius, "#4caf50")
      end,
    }
  end,
}
