-- The non-monotonic 3x3 cooperative matrix game (QTRAN; Soft-QMIX Table 2; FSV Table 1).
-- Rows are agent 1's action, columns agent 2's; actions 1, 2, 3 are A, B, C.
-- (A, A) = 8 is the unique optimum; a monotonic learner facing a random partner prefers B or C.
local vectors = require("vectors")
local recorded = require("recorded_settings")

local payoffs = {
  qtran = {{8, -12, -12}, {-12, 0, 0}, {-12, 0, 0}},
  easy = {{12, -0.1, -0.1}, {-0.1, 0, 0}, {-0.1, 0, 0}},   -- pymarl2's default, "solvable by QMIX"
}

return {
  options = {
    payoff = {default = "qtran", choices = {"qtran", "easy"}, help = "qtran (8 / -12 / 0) or easy (12 / -0.1 / 0)"},
  },

  build = function(options)
    local payoff = payoffs[options.payoff]
    local stepped = false

    return {
      name = "nonmono",
      description = "one-shot 3x3 game, optimum (A,A) = " .. payoff[1][1] .. "; the relative-overgeneralization trap",
      -- The papers' protocol: 20k steps; value baselines explore uniformly (epsilon = 1), FSV too
      -- while its alpha anneals from 1 to 0.01 (FSV section 5.1).
      -- td_hysteresis is NOT in the Soft-QMIX or FSV papers: without it both fall into the trap
      -- (Soft-QMIX 2/10 seeds, FSV 0/10); with it both reach (A,A). scripts/reproduce/matrix shows
      -- both. FSV uses FOP's product weights: the paper's softmax attention cannot represent this
      -- payoff with A greedy unless alpha >= 4.55.
      -- Settings not given here are pinned at the recorded defaults these results were produced with
      -- (envs/lib/recorded_settings.lua).
      settings = {
        all = {steps = 20000, batch_size = 32, log_interval = 2000, test_episodes = 1, obs_last_action = false},
        qmix = {epsilon_finish = 1},
        vdn = {epsilon_finish = 1},
        ["soft-qmix"] = recorded.merge(recorded.soft_qmix, {alpha = 0.1, td_hysteresis = 0.1}),
        -- actor-critics: transitions, a short random warm-up, one update per 8 steps
        hasac = recorded.merge(recorded.harl_soft,
                               {steps = 10000, warmup_steps = 1000, updates_per_step = 0.125, batch_size = 256, hidden = 64}),
        masac = recorded.merge(recorded.harl_soft,
                               {steps = 10000, warmup_steps = 1000, updates_per_step = 0.125, batch_size = 256, hidden = 64}),
        fsv = recorded.merge(recorded.fsv,
                             {epsilon_start = 1, epsilon_finish = 1, alpha_anneal_steps = 20000, lambda_form = "fop", td_hysteresis = 0.5}),
        ader = recorded.ader_discrete, ["ser-marl"] = recorded.ader_discrete,
      },
      agents = 2,
      actions = {discrete = 3},
      observation_size = 2,     -- one-hot of the step counter, as in pymarl2's one_step_matrix_game
      episode_limit = 1,
      payoff = payoff,

      reset = function(self) stepped = false end,
      observe = function(self, i, out) vectors.one_hot(out, 2, stepped and 2 or 1) end,
      state_size = 2,           -- the same one-hot
      state = function(self, out) vectors.one_hot(out, 2, stepped and 2 or 1) end,
      step = function(self, actions)
        stepped = true
        self.last = {actions[1], actions[2]}
        return payoff[actions[1]][actions[2]], true
      end,

      view = {0, 0, 3, 3},
      render = function(self, draw)
        for row = 1, 3 do
          for col = 1, 3 do
            local chosen = self.last and self.last[1] == row and self.last[2] == col
            draw:rect(col - 1, 3 - row, 1, 1, chosen and "#e4572e" or "#dddddd")
            draw:text(col - 0.6, 3.4 - row, payoff[row][col], "#222222")
          end
        end
      end,
      snapshot = function(self) return {stepped = stepped} end,
      restore = function(self, t) stepped = t.stepped end,
    }
  end,
}
