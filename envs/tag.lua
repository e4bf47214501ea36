-- Predator-prey, MPE simple_tag (MPE2 simple_tag_v3; docs/worlds.md §6.3): three slow
-- adversaries chase a faster good agent around two obstacles. The learning team is the
-- adversaries (10 per touching pair per step); the good agent moves at random, or with
-- good = "agent" it is a fourth agent (as in MPE2, for parity checks) whose own reward is
-- reported in info.good_reward.
local particles = require("particles")
local recorded = require("recorded_settings")

local adversaries, obstacles = 3, 2

return {
  options = {
    good = {default = "random", choices = {"random", "agent"}, help = "random (the good agent moves at random) or agent (a fourth, controlled agent, as in MPE2)"},
    integration = {default = "pos_first", choices = {"pos_first", "vel_first"}, help = "pos_first (MPE2) or vel_first (OpenAI MPE)"},
  },

  build = function(options)
    local good_mode = options.good
    local controlled = good_mode == "agent" and adversaries + 1 or adversaries

    local w = particles.new {integration = options.integration}
    for _ = 1, adversaries do particles.add(w, {size = 0.075, max_speed = 1.0}) end
    local good = particles.add(w, {size = 0.05, max_speed = 1.3})
    for _ = 1, obstacles do particles.add(w, {size = 0.2, movable = false}) end
    local px, py, vx, vy, fx, fy = w.px, w.py, w.vx, w.vy, w.fx, w.fy
    local accel = {3, 3, 3, 4}
    local moves = {{0, 0}, {-1, 0}, {1, 0}, {0, -1}, {0, 1}}     -- MPE2: 1 -x, 2 +x, 3 -y, 4 +y (after the no-op)
    local random, exp, abs = math.random, math.exp, math.abs

    -- Written out rather than with particles.write_relative: this is the hot path of the MPE2 speed
    -- comparison, and the calls cost a tenth of a step.
    local function observe(i, out, offset)
      local x, y = px[i], py[i]
      out[offset + 1], out[offset + 2], out[offset + 3], out[offset + 4] = vx[i], vy[i], x, y
      local m = offset + 4
      for k = good + 1, good + obstacles do
        out[m + 1], out[m + 2] = px[k] - x, py[k] - y
        m = m + 2
      end
      for k = 1, good do
        if k ~= i then
          out[m + 1], out[m + 2] = px[k] - x, py[k] - y
          m = m + 2
        end
      end
      if i ~= good then out[m + 1], out[m + 2] = vx[good], vy[good] end     -- the good agent's velocity
    end

    local function bound(x)
      if x < 0.9 then return 0 end
      if x < 1.0 then return (x - 0.9) * 10 end
      return math.min(exp(2 * x - 2), 10)
    end

    local sizes = {16, 16, 16, 14}
    local observation_sizes = good_mode == "agent" and sizes or {16, 16, 16}

    return {
      name = "tag",
      description = "simple_tag: 3 adversaries (speed 1.0) chase a good agent (1.3) around 2 obstacles; 10 per contact per step",
      -- Settings: the recorded defaults the documented results were produced with, so that they stay
      -- reproducible (envs/lib/recorded_settings.lua).
      settings = {
        all = {steps = recorded.steps},
        hasac = recorded.harl_soft, masac = recorded.harl_soft, fsv = recorded.fsv, ["soft-qmix"] = recorded.soft_qmix,
        ader = recorded.ader_discrete, ["ser-marl"] = recorded.ader_discrete,
      },
      agents = controlled,
      actions = {discrete = 5},
      observation_size = observation_sizes,
      state_size = 62,
      episode_limit = 25,

      reset = function(self)
        particles.scatter(w, 1, good, -1, 1)
        particles.scatter(w, good + 1, good + obstacles, -0.9, 0.9)
      end,

      observe = function(self, i, out) observe(i, out, 0) end,
      state = function(self, out)
        local offset = 0
        for i = 1, good do
          observe(i, out, offset)
          offset = offset + sizes[i]
        end
      end,

      step = function(self, actions)
        for i = 1, good do
          local a = i <= controlled and actions[i] or random(5)
          fx[i], fy[i] = moves[a][1] * accel[i], moves[a][2] * accel[i]
        end
        particles.step(w)
        local caught = 0
        for i = 1, adversaries do
          if particles.touching(w, good, i) then caught = caught + 1 end
        end
        local good_reward = -10 * caught - bound(abs(px[good])) - bound(abs(py[good]))
        return 10 * caught, false, {caught = caught, good_reward = good_reward}
      end,

      view = {-1.5, -1.5, 1.5, 1.5},
      render = function(self, draw)
        particles.render(w, draw, {"#c0392b", "#c0392b", "#c0392b", "#27ae60", "#7f8c8d", "#7f8c8d"})
      end,
      snapshot = function(self) return {entities = particles.snapshot(w)} end,
      restore = function(self, t) particles.restore(w, t.entities) end,
    }
  end,
}
