-- Cooperative navigation, MPE simple_spread (docs/worlds.md §6): N agents cover N
-- landmarks without bumping into each other. Presets: mpe2 (MPE2 simple_spread_v3, the parity
-- reference) and Soft-QMIX's simple / medium / hard (OpenAI physics, initial distances x1, x1.5, x2).
local particles = require("particles")
local recorded = require("recorded_settings")

local presets = {
  --            integration   scale landmarks  self-collision  discrete +x action  landmarks collide
  mpe2   = {integration = "pos_first", scale = 1,   landmark_factor = 1,   self_collision = false, sign = "pz"},
  simple = {integration = "vel_first", scale = 1,   landmark_factor = 0.8, self_collision = true,  sign = "openai"},
  medium = {integration = "vel_first", scale = 1.5, landmark_factor = 0.8, self_collision = true,  sign = "openai"},
  hard   = {integration = "vel_first", scale = 2,   landmark_factor = 0.8, self_collision = true,  sign = "openai"},
}

return {
  options = {
    preset = {default = "simple", choices = {"mpe2", "simple", "medium", "hard"}, help = "mpe2 (MPE2 simple_spread_v3), simple, medium or hard (Soft-QMIX's Spread)"},
    agents = {default = 3, help = "agents and landmarks, at least 1"},
    actions = {default = "discrete", choices = {"discrete", "continuous", "box"}, help = "discrete (no-op and four moves), continuous (MPE's five values in [0, 1]) or box (a force direction in [-1, 1]^2)"},
    local_ratio = {default = 0.5, help = "mpe2 preset: weight of the local collision penalty"},
  },

  build = function(options)
    local preset_name = options.preset
    local preset = presets[preset_name]
    local n = options.agents
    if n < 1 then error("agents must be a positive whole number") end
    local action_kind = options.actions
    local continuous, box = action_kind == "continuous", action_kind == "box"
    local forces = continuous or box       -- continuous actions of either kind
    local local_ratio = options.local_ratio

    local w = particles.new {integration = preset.integration}
    for _ = 1, n do particles.add(w, {size = 0.15}) end
    for _ = 1, n do particles.add(w, {size = 0.05, movable = false, collide = false}) end
    local px, py, vx, vy, fx, fy = w.px, w.py, w.vx, w.vy, w.fx, w.fy
    local random, sqrt = math.random, math.sqrt
    local sensitivity = 5
    -- discrete action k (1-based: 1 no-op, then the four moves) as a force direction
    local moves = preset.sign == "pz" and {{0, 0}, {-1, 0}, {1, 0}, {0, -1}, {0, 1}} or {{0, 0}, {1, 0}, {-1, 0}, {0, 1}, {0, -1}}
    local pz = preset.sign == "pz"
    local observation_size = 4 + 2 * n + 4 * (n - 1)

    -- Written out rather than with particles.write_relative: this is the hot path of the MPE2 speed
    -- comparison, and the calls cost a tenth of a step.
    local function observe(i, out, offset)
      local x, y = px[i], py[i]
      out[offset + 1], out[offset + 2], out[offset + 3], out[offset + 4] = vx[i], vy[i], x, y
      local m = offset + 4
      for l = n + 1, 2 * n do
        out[m + 1], out[m + 2] = px[l] - x, py[l] - y
        m = m + 2
      end
      for j = 1, n do
        if j ~= i then
          out[m + 1], out[m + 2] = px[j] - x, py[j] - y
          m = m + 2
        end
      end
      for _ = 1, 2 * (n - 1) do m = m + 1; out[m] = 0 end          -- silent agents' communication
    end

    -- The team reward: the sum over agents of (1 - local_ratio) * global + local_ratio * local_i (mpe2),
    -- or OpenAI's collaborative sum -N * D - (collisions counted from both sides, self included).
    local touches = {}
    local function reward()
      local covered = 0
      for l = n + 1, 2 * n do
        local best = math.huge
        for j = 1, n do
          local dx, dy = px[j] - px[l], py[j] - py[l]
          local d = sqrt(dx * dx + dy * dy)
          if d < best then best = d end
        end
        covered = covered + best
      end
      local reach, pairs_touching = w.size[1] + w.size[1], 0
      for i = 1, n do touches[i] = 0 end
      for i = 1, n do
        for j = i + 1, n do
          local dx, dy = px[i] - px[j], py[i] - py[j]
          if sqrt(dx * dx + dy * dy) < reach then
            pairs_touching = pairs_touching + 1
            touches[i], touches[j] = touches[i] + 1, touches[j] + 1
          end
        end
      end
      if preset.self_collision then return -n * covered - n - 2 * pairs_touching end
      -- MPE2: each agent's reward mixes the global term with minus the agents touching it
      local total, global = 0, (1 - local_ratio) * -covered
      for i = 1, n do total = total + (global + local_ratio * -touches[i]) end
      return total
    end

    return {
      name = "spread",
      description = "cooperative navigation (simple_spread): " .. n .. " agents cover " .. n .. " landmarks, preset " .. preset_name,
      agents = n,
      actions = continuous and {continuous = 5, low = 0, high = 1} or box and {continuous = 2, low = -1, high = 1} or {discrete = 5},
      observation_size = observation_size,
      episode_limit = 25,
      -- Value factorization on Spread (Simple): one episode per update, batch 32, one-step targets,
      -- gamma 0.95 and lr 5e-4. With the learners' defaults (8 episodes per update, TD(0.6), gamma
      -- 0.99, lr 1e-3) the hypernetwork mixers diverge here (Q_tot climbs above +400 while every
      -- reward is negative); QMIX and FSV also train on standardised rewards (EPyMARL's
      -- standardise_rewards), and FSV starts its V_tot weights at |w_i| = 1 (vtot_weight_bias, our
      -- addition: with w_i near 0 the agents' VDN-like gradients do not move Q_tot and their Q_i drift).
      -- Measured at 120k steps, seeds 1-3 (random play: -217): QMIX -185 / -180 / -179, Soft-QMIX
      -- -168 / -160 / -168, FSV -168 / -181 / -165.
      -- The other learners' settings and Soft-QMIX's raw rewards are pinned at the recorded defaults
      -- the documented results were produced with (envs/lib/recorded_settings.lua); ADER's and
      -- SER-MARL's only with continuous or box actions (their discrete forms learn from episodes and
      -- kept their defaults). envs/navigation.lua is this world with box actions.
      settings = {
        all = {steps = recorded.steps},
        qmix = {envs = 1, batch_size = 32, gamma = 0.95, td_lambda = 0, lr = 5e-4, epsilon_anneal_steps = 50000,
                standardise_rewards = true, steps = 120000, log_interval = 10000},
        ["soft-qmix"] = recorded.merge(recorded.soft_qmix, {envs = 1, batch_size = 32, gamma = 0.95, td_lambda = 0, lr = 5e-4,
                                                            alpha = 0.1, steps = 120000, log_interval = 20000}),
        fsv = {envs = 1, batch_size = 32, gamma = 0.95, lr = 5e-4, standardise_rewards = true, vtot_weight_bias = 1,
               alpha_start = 0.5, alpha_finish = 0.03, alpha_anneal_steps = 60000, steps = 120000, log_interval = 10000},
        hasac = recorded.harl_soft, masac = recorded.harl_soft,
        ader = forces and recorded.harl or recorded.ader_discrete, ["ser-marl"] = forces and recorded.harl or recorded.ader_discrete,
        ["vm3-ac"] = recorded.harl, ["qmix-ddpg"] = recorded.ddpg, ["vdn-ddpg"] = recorded.ddpg,
      },

      reset = function(self)
        local s = preset.scale
        for k = 1, n do
          px[k], py[k] = (2 * random() - 1) * s, (2 * random() - 1) * s
          vx[k], vy[k] = 0, 0
        end
        local f = preset.landmark_factor * s
        for k = n + 1, 2 * n do
          px[k], py[k] = (2 * random() - 1) * f, (2 * random() - 1) * f
          vx[k], vy[k] = 0, 0
        end
      end,

      -- No state function: the state is the observations side by side (as MPE2's state()), which
      -- the host assembles itself; a Lua state function writing the same values made steps 27% slower.
      observe = function(self, i, out) observe(i, out, 0) end,

      step = function(self, actions)
        for i = 1, n do
          local a = actions[i]
          if box then
            fx[i], fy[i] = a[1] * sensitivity, a[2] * sensitivity
          elseif continuous then
            if pz then fx[i], fy[i] = (a[3] - a[2]) * sensitivity, (a[5] - a[4]) * sensitivity
            else fx[i], fy[i] = (a[2] - a[3]) * sensitivity, (a[4] - a[5]) * sensitivity end
          else
            fx[i], fy[i] = moves[a][1] * sensitivity, moves[a][2] * sensitivity
          end
        end
        particles.step(w)
        return reward(), false
      end,

      view = {-2, -2, 2, 2},
      render = function(self, draw)
        local colours = {}
        for k = 1, n do colours[k] = "#3f51b5" end
        for k = n + 1, 2 * n do colours[k] = "#9e9e9e" end
        particles.render(w, draw, colours)
      end,
      snapshot = function(self) return {entities = particles.snapshot(w)} end,
      restore = function(self, t) particles.restore(w, t.entities) end,
    }
  end,
}
