-- Predator-prey as VM3-AC uses it (docs/worlds.md §8.2, a reconstruction: the paper's task
-- appendix is not available): N predators with 2-D forces chase ceil(N/2) prey that flee the
-- nearest predator (FACMAC's heuristic). A prey is caught at a step when at least `required`
-- predators touch it at once (2 when N = 4, as in the paper); each caught prey pays 10 per step.
local particles = require("particles")
local prey = require("prey")
local recorded = require("recorded_settings")

local obstacles = 2

return {
  options = {
    predators = {default = 3, help = "predators N, at least 1 (prey: ceil(N/2))"},
    required = {help = "predators that must touch a prey at once to catch it, a whole number in 1..N (default: 2 if N >= 4 else 1)"},
    start_center = {help = "true: predators start at the centre (in [-0.1, 0.1]^2); false: anywhere in [-1, 1]^2 (default: true if N >= 4)"},
  },

  build = function(options)
    local n = options.predators
    if n < 1 then error("predators must be a positive whole number") end
    local m = (n + 1) // 2
    local required = options.required
    if required == nil then required = n >= 4 and 2 or 1 end
    if math.type(required) ~= "integer" or required < 1 or required > n then error("required must be a whole number in 1.." .. n) end
    local start_center = options.start_center
    if start_center == nil then start_center = n >= 4 end
    if type(start_center) == "string" then start_center = start_center == "true" end

    local w = particles.new {integration = "vel_first"}
    for _ = 1, n do particles.add(w, {size = 0.075, max_speed = 1.0}) end
    for _ = 1, m do particles.add(w, {size = 0.05, max_speed = 1.3}) end
    for _ = 1, obstacles do particles.add(w, {size = 0.2, movable = false}) end
    local everyone = n + m
    local px, py, vx, vy, fx, fy = w.px, w.py, w.vx, w.vy, w.fx, w.fy
    local flee = prey.fleeing(w, n, 0.075, 0.05, 1)
    local caught_total = 0

    local function observe(i, out, offset)
      local k = particles.write_self(w, i, out, offset)
      k = particles.write_relative(w, i, out, k, everyone + 1, everyone + obstacles)
      k = particles.write_relative(w, i, out, k, 1, everyone)              -- the other predators, then the prey
      particles.write_velocities(w, i, out, k, n + 1, everyone)           -- the prey's velocities
    end

    local observation_size = 4 + 2 * obstacles + 2 * (everyone - 1) + 2 * m

    return {
      name = "predator_prey",
      description = n .. " predators catch " .. m .. " fleeing prey (" .. required .. " needed per catch); 10 per caught prey per step",
      -- Settings: the recorded defaults the documented results were produced with, so that they stay
      -- reproducible (envs/lib/recorded_settings.lua).
      settings = recorded.continuous_learners(),
      agents = n,
      actions = {continuous = 2, low = -1, high = 1},
      observation_size = observation_size,
      episode_limit = 25,

      reset = function(self)
        local spread = start_center and 0.1 or 1
        particles.scatter(w, 1, n, -spread, spread)
        particles.scatter(w, n + 1, everyone, -1, 1)
        particles.scatter(w, everyone + 1, everyone + obstacles, -0.9, 0.9)
        caught_total = 0
      end,

      -- No state function: the state is the observations side by side, which the host assembles.
      observe = function(self, i, out) observe(i, out, 0) end,

      step = function(self, actions)
        for e = n + 1, everyone do fx[e], fy[e] = flee(e) end
        for i = 1, n do
          local a = actions[i]
          fx[i], fy[i] = 3 * a[1], 3 * a[2]
        end
        particles.step(w)
        local caught = 0
        for e = n + 1, everyone do
          local touching = 0
          for i = 1, n do
            if particles.touching(w, e, i) then touching = touching + 1 end
          end
          if touching >= required then caught = caught + 1 end
        end
        caught_total = caught_total + caught
        return 10 * caught, false, {caught = caught_total}
      end,

      view = {-1.5, -1.5, 1.5, 1.5},
      render = function(self, draw)
        local colours = {}
        for i = 1, n do colours[i] = "#c0392b" end
        for e = n + 1, everyone do colours[e] = "#27ae60" end
        for e = everyone + 1, everyone + obstacles do colours[e] = "#7f8c8d" end
        particles.render(w, draw, colours)
      end,
      snapshot = function(self) return {entities = particles.snapshot(w), caught = caught_total} end,
      restore = function(self, t)
        particles.restore(w, t.entities)
        caught_total = t.caught or 0
      end,
    }
  end,
}
