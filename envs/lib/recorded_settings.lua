-- The learner defaults that the bundled worlds' documented results were produced with, before
-- marl-sim's defaults were resized for laptops (issue 18: smaller networks and batches, new
-- temperatures, standardised rewards for Soft-QMIX and FSV). A bundled world pins the ones it does
-- not set itself, so that `marl-sim world.lua --algo X` still reproduces its results; a new world
-- need not use this module and gets the laptop-sized defaults.
--
-- Use: local recorded = require("recorded_settings"), then in the world's settings table
--   hasac = recorded.harl_soft,                                    -- the recorded defaults
--   ader = recorded.merge(recorded.harl, {hidden = 64}),           -- the world's own entries win
--   masac = recorded.without(recorded.harl_soft, shared),          -- where `all = shared` sets some keys
-- The tables are shared by every world of a Lua state: do not modify them (merge makes a copy).
local recorded = {}

-- recorded.merge(a, b, ...): a new table with the entries of a, then of b, ... (later ones win).
function recorded.merge(...)
  local out = {}
  for k = 1, select("#", ...) do
    local t = select(k, ...)
    if t then
      for key, value in pairs(t) do out[key] = value end
    end
  end
  return out
end

-- recorded.without(t, shared): a new table with the entries of t whose keys shared does not set.
-- A learner's own entry overrides the world's `all`, so under `all = shared` a recorded default must
-- not be repeated for the keys that shared already pins.
function recorded.without(t, shared)
  local out = {}
  for key, value in pairs(t) do
    if shared[key] == nil then out[key] = value end
  end
  return out
end

-- The training length every learner defaulted to (now 100k steps).
recorded.steps = 200000

-- HARL's replay schedule (transition learners): a 1M-transition buffer, 10k random warm-up steps,
-- one gradient step per 20 environment steps.
recorded.replay = {buffer_size = 1000000, warmup_steps = 10000, updates_per_step = 0.05}

-- HARL's soft temperature: alpha starts at 0.2 and aims at 0.98 log |A| (discrete actions).
recorded.temperature = {alpha = 0.2, target_entropy_scale = 0.98}

-- HARL's actor-critic sizes (continuous ADER and SER-MARL, VM3-AC): 2 x 256 networks, batch 1000,
-- 20-step returns, and the replay schedule.
recorded.harl = recorded.merge(recorded.replay, {hidden = 256, batch_size = 1000, n_step = 20})

-- HASAC and MASAC: HARL's actor-critic sizes and soft temperature.
recorded.harl_soft = recorded.merge(recorded.harl, recorded.temperature)

-- QMIX-DDPG and VDN-DDPG: the replay schedule (their sizes did not change).
recorded.ddpg = recorded.replay

-- FSV with discrete actions: alpha anneals from 1 over 100k steps (the paper), raw rewards.
recorded.fsv = {alpha_start = 1.0, alpha_anneal_steps = 100000, standardise_rewards = false}

-- FSV with continuous actions: the replay schedule and the soft temperature.
recorded.fsv_continuous = recorded.merge(recorded.replay, recorded.temperature)

-- Soft-QMIX: raw rewards.
recorded.soft_qmix = {standardise_rewards = false}

-- ADER and SER-MARL with discrete actions: raw rewards.
recorded.ader_discrete = {standardise_rewards = false}

-- Every continuous-action learner's recorded defaults, for a world that sets none of its own
-- (a new table each call, so a world may add its own entries).
function recorded.continuous_learners()
  return {
    all = {steps = recorded.steps},
    hasac = recorded.harl_soft, masac = recorded.harl_soft, fsv = recorded.fsv_continuous,
    ader = recorded.harl, ["ser-marl"] = recorded.harl, ["vm3-ac"] = recorded.harl,
    ["qmix-ddpg"] = recorded.ddpg, ["vdn-ddpg"] = recorded.ddpg,
  }
end

return recorded
