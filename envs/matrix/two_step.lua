-- QMIX's two-step game (Rashid et al. 2018). In step 1 agent 1 picks the second stage: action 1
-- leads to 2A, where every joint action pays 7; action 2 leads to 2B, which pays 8 only for (2, 2).
-- The optimal return is 8; VDN's additive values settle for 7.
local stage_payoff = {
  A = {{7, 7}, {7, 7}},
  B = {{0, 1}, {1, 8}},
}
local vectors = require("vectors")
local recorded = require("recorded_settings")
local stage_index = {start = 1, A = 2, B = 3, done = 4}

local stage = "start"

-- The QMIX paper's protocol: uniform exploration (epsilon = 1) throughout, one-step targets.
local protocol = {steps = 20000, batch_size = 32, log_interval = 2000, test_episodes = 1, epsilon_finish = 1, td_lambda = 0}

return {
  name = "two_step",
  description = "QMIX two-step game: optimal return 8 (go to 2B, then (2,2)); VDN learns 7",
  agents = 2,
  actions = {discrete = 2},
  observation_size = 4,      -- one-hot of {start, 2A, 2B, end}
  episode_limit = 2,
  -- The QMIX paper's protocol for every learner; the settings it does not give are pinned at the
  -- recorded defaults these results were produced with (envs/lib/recorded_settings.lua).
  settings = {
    all = protocol,
    ["soft-qmix"] = recorded.soft_qmix, fsv = recorded.fsv,
    ader = recorded.ader_discrete, ["ser-marl"] = recorded.ader_discrete,
    hasac = recorded.without(recorded.harl_soft, protocol), masac = recorded.without(recorded.harl_soft, protocol),
  },

  reset = function(self) stage = "start" end,
  observe = function(self, i, out) vectors.one_hot(out, 4, stage_index[stage]) end,
  step = function(self, actions)
    if stage == "start" then
      stage = actions[1] == 1 and "A" or "B"
      return 0, false
    end
    local reward = stage_payoff[stage][actions[1]][actions[2]]
    stage = "done"
    return reward, true
  end,

  view = {0, 0, 3, 1},
  render = function(self, draw)
    for k, name in ipairs({"start", "A", "B"}) do
      draw:circle(k - 0.5, 0.5, 0.3, stage == name and "#e4572e" or "#cccccc")
      draw:text(k - 0.6, 0.45, name, "#222222")
    end
  end,
  snapshot = function(self) return {stage = stage} end,
  restore = function(self, t) stage = t.stage end,
}
