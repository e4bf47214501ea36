-- Spotter and mover: a small mixed-action cooperative world. Four targets lie on the square
-- [-1, 1]^2, at the corners of [-0.6, 0.6]^2 (`--env targets=corners`, the default) or anywhere
-- (`targets=random`, much harder to learn: the mover must pick the signalled target's position out
-- of its observation); one of them is the goal. Agent 1, the spotter, alone sees which (a one-hot of
-- the goal) and each step sends one of 4 signals (a discrete action). Agent 2, the mover, sees its
-- own position, the four targets' positions and the spotter's last signal (one-hot, zero before the
-- first), but not the goal; it moves by 0.2 * (a1, a2) per step, a in [-1, 1]^2, staying inside the
-- square. The team reward each step is minus the mover's distance to the goal, so the team scores
-- well only if the spotter's signals name the goal and the mover reads them. info.on_goal: the
-- episode ended with the mover within 0.1 of the goal.
local recorded = require("recorded_settings")

local targets, speed, reach = 4, 0.2, 0.1
local colours = {"#e4572e", "#29335c", "#f3a712", "#669bbc"}

local function clamp(v, low, high) return v < low and low or (v > high and high or v) end

local corners = {{-0.6, 0.6}, {0.6, 0.6}, {-0.6, -0.6}, {0.6, -0.6}}

-- the settings both learners share (explained at `settings` below)
local shared = {steps = 200000, log_interval = 20000, hidden = 64, batch_size = 256, warmup_steps = 5000, updates_per_step = 0.25,
                n_step = 5}

return {
  options = {
    targets = {default = "corners", choices = {"corners", "random"}, help = "corners (fixed at (+-0.6, +-0.6)) or random (anywhere in the square each episode)"},
  },

  build = function(options)
    local placement = options.targets
    local tx, ty = {}, {}          -- target positions
    local x, y = 0, 0              -- the mover
    local goal, signal = 1, 0      -- the goal target; the last signal (0: none yet)
    local move = {0, 0}            -- scratch for scripted_action

    return {
      name = "spotter",
      description = "a spotter who alone sees the goal signals one of 4 targets (discrete); a mover goes there (continuous 2-D)",
      -- Recommended settings (HASAC and MASAC, the learners that take mixed teams): 2 x 64 networks,
      -- batch 256, one update per four steps, 5-step returns, 200k steps (about 3 minutes a run).
      -- Random play returns about -27.3, a mover that ignores the signal and heads for the centre
      -- -21.4, the scripted team -3.5; results in the README. HARL's other settings (buffer,
      -- temperature) are pinned at the recorded defaults these results were produced with
      -- (envs/lib/recorded_settings.lua).
      settings = {
        all = shared,
        -- HASAC's spotter has its own temperature aiming at 0.98 log 4, nearly uniform signals that
        -- say little (seeds 1-3 ended at -13.7, -16.1, -18.9); aiming at half that lets it speak.
        hasac = recorded.merge(recorded.without(recorded.harl_soft, shared), {target_entropy_scale = 0.5}),
        masac = recorded.without(recorded.harl_soft, shared),
      },
      agents = 2,
      actions = {{discrete = targets}, {continuous = 2, low = -1, high = 1}},
      observation_size = {targets, 2 + 2 * targets + targets},
      episode_limit = 25,

      reset = function(self)
        for k = 1, targets do
          if placement == "random" then tx[k], ty[k] = 2 * math.random() - 1, 2 * math.random() - 1
          else tx[k], ty[k] = corners[k][1], corners[k][2] end
        end
        x, y = 2 * math.random() - 1, 2 * math.random() - 1
        goal, signal = math.random(targets), 0
      end,

      observe = function(self, i, out)
        if i == 1 then
          for k = 1, targets do out[k] = k == goal and 1 or 0 end
        else
          out[1], out[2] = x, y
          for k = 1, targets do out[2 * k + 1], out[2 * k + 2] = tx[k], ty[k] end
          for k = 1, targets do out[2 + 2 * targets + k] = k == signal and 1 or 0 end
        end
      end,

      step = function(self, actions)
        local a = actions[2]
        x, y = clamp(x + speed * a[1], -1, 1), clamp(y + speed * a[2], -1, 1)
        signal = actions[1]                    -- heard from the next observation on
        local dx, dy = tx[goal] - x, ty[goal] - y
        local d = math.sqrt(dx * dx + dy * dy)
        return -d, false, {on_goal = d < reach}
      end,

      -- The reference policy: the spotter signals the goal; the mover heads for the signalled target
      -- at full speed and stops on it (before any signal it waits).
      scripted_action = function(self, i)
        if i == 1 then return goal end
        move[1], move[2] = 0, 0
        if signal > 0 then
          move[1] = clamp((tx[signal] - x) / speed, -1, 1)
          move[2] = clamp((ty[signal] - y) / speed, -1, 1)
        end
        return move
      end,

      view = {-1.2, -1.2, 1.2, 1.2},
      render = function(self, draw)
        draw:rect(-1, -1, 2, 2, "#f4f4f4")
        for k = 1, targets do
          if k == goal then draw:circle(tx[k], ty[k], reach + 0.04, "#2a9d8f") end
          draw:circle(tx[k], ty[k], reach, colours[k])
        end
        if signal > 0 then draw:line(x, y, tx[signal], ty[signal], colours[signal]) end
        draw:circle(x, y, 0.06, "#333333")
        draw:text(-1.15, 1.1, signal > 0 and ("spotter signals " .. signal) or "spotter: no signal yet", "#000000")
      end,
      snapshot = function(self)
        local t = {}
        for k = 1, targets do t[k] = {tx[k], ty[k]} end
        return {targets = t, mover = {x, y}, goal = goal, signal = signal}
      end,
      restore = function(self, s)
        for k = 1, targets do tx[k], ty[k] = s.targets[k][1], s.targets[k][2] end
        x, y, goal, signal = s.mover[1], s.mover[2], s.goal, s.signal
      end,
    }
  end,
}
