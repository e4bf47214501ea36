-- Cooperative treasure collection (MAAC's fullobs_collect_treasure; docs/worlds.md §8.3),
-- with VM3-AC's continuous 2-D forces: collectors pick up treasures of two types and carry them to
-- the deposit of that type. MAAC's order: physics, then rewards from the current holdings, then
-- pick-ups, respawns and deliveries (here at the start of the next step, so that observations,
-- like MAAC's, show new holdings one step later). Every agent is a learner; the team reward is the
-- sum of the agents' rewards. Deposits' observations are padded with a zero "held" slot so that
-- all agents see 86 values.
local particles = require("particles")
local recorded = require("recorded_settings")

local deposits, types = 2, 2

return {
  options = {
    collectors = {default = 6, help = "collectors (and treasures), at least 1; the 2 deposits stay"},
  },

  build = function(options)
    local collectors = options.collectors
    if collectors < 1 then error("collectors must be a positive whole number") end
    local agents = collectors + deposits
    local treasures = collectors
    local seen_agents, seen_treasures = math.min(7, agents - 1), math.min(7, treasures)

    local w = particles.new {integration = "vel_first"}
    for _ = 1, collectors do particles.add(w, {size = 0.05, max_speed = 1.0}) end
    for _ = 1, deposits do particles.add(w, {size = 0.075, max_speed = 1.0, mass = 2.25}) end
    for _ = 1, treasures do particles.add(w, {size = 0.025, movable = false, collide = false}) end
    local px, py, vx, vy, fx, fy, size = w.px, w.py, w.vx, w.vy, w.fx, w.fy, w.size
    local first_treasure = agents + 1
    local random, sqrt = math.random, math.sqrt

    local holding = {}          -- collector -> type held (0: nothing)
    local kind = {}             -- treasure entity -> type
    local alive = {}            -- treasure entity -> live
    local deposit_type = {}     -- deposit entity -> the type it accepts
    for d = 1, deposits do deposit_type[collectors + d] = d end

    local function distance(a, b)
      local dx, dy = px[a] - px[b], py[a] - py[b]
      return sqrt(dx * dx + dy * dy)
    end
    local function touching(a, b) return distance(a, b) < size[a] + size[b] end

    local function spawn(t)
      px[t], py[t] = 1.9 * random() - 0.95, 1.9 * random() - 0.95
      kind[t] = random(types)
      alive[t] = true
    end

    -- MAAC's post-step: pick-ups (first empty-handed collector in index order), respawns of
    -- treasures that were already gone, deliveries.
    local gone = {}
    local function post_step()
      for t = first_treasure, first_treasure + treasures - 1 do gone[t] = not alive[t] end
      for t = first_treasure, first_treasure + treasures - 1 do
        if alive[t] then
          for c = 1, collectors do
            if holding[c] == 0 and touching(c, t) then
              holding[c] = kind[t]
              alive[t] = false
              px[t], py[t] = -999, -999
              break
            end
          end
        end
      end
      for t = first_treasure, first_treasure + treasures - 1 do
        if gone[t] then spawn(t) end
      end
      local count = 0
      for c = 1, collectors do
        local held = holding[c]
        if held > 0 and touching(c, collectors + held) then holding[c], count = 0, count + 1 end
      end
      return count
    end

    -- Indices sorted by distance to entity i (insertion sort into a reused array: no garbage).
    local order, keys = {}, {}
    local function nearest(i, first, last, skip)
      local n = 0
      for k = first, last do
        if k ~= skip then
          local d = distance(i, k)
          local j = n
          while j > 0 and keys[j] > d do
            order[j + 1], keys[j + 1] = order[j], keys[j]
            j = j - 1
          end
          order[j + 1], keys[j + 1] = k, d
          n = n + 1
        end
      end
      return n
    end

    local function observe(i, out, offset)
      local m = offset
      out[m + 1], out[m + 2], out[m + 3], out[m + 4] = px[i], py[i], vx[i], vy[i]
      local held = i <= collectors and holding[i] or 0
      out[m + 5], out[m + 6] = held == 1 and 1 or 0, held == 2 and 1 or 0
      m = m + 6
      nearest(i, 1, agents, i)
      for r = 1, seen_agents do
        local k = order[r]
        local dep = deposit_type[k] or 0
        local carried = k <= collectors and holding[k] or 0
        out[m + 1], out[m + 2], out[m + 3], out[m + 4] = px[k] - px[i], py[k] - py[i], vx[k], vy[k]
        out[m + 5], out[m + 6] = dep == 1 and 1 or 0, dep == 2 and 1 or 0
        out[m + 7], out[m + 8] = carried == 1 and 1 or 0, carried == 2 and 1 or 0
        m = m + 8
      end
      nearest(i, first_treasure, first_treasure + treasures - 1, 0)
      for r = 1, seen_treasures do
        local t = order[r]
        out[m + 1], out[m + 2] = px[t] - px[i], py[t] - py[i]
        out[m + 3], out[m + 4] = kind[t] == 1 and 1 or 0, kind[t] == 2 and 1 or 0
        m = m + 4
      end
    end

    local function team_reward()
      local global = 0
      for c = 1, collectors do
        if holding[c] == 0 then
          for t = first_treasure, first_treasure + treasures - 1 do
            if alive[t] and touching(c, t) then global = global + 5 end
          end
        elseif touching(c, collectors + holding[c]) then
          global = global + 5
        end
      end
      local total = 0
      for c = 1, collectors do
        local r = global
        for o = 1, collectors do
          if o ~= c and touching(c, o) then r = r - 5 end
        end
        local best = math.huge
        if holding[c] == 0 then
          for t = first_treasure, first_treasure + treasures - 1 do
            if alive[t] then best = math.min(best, distance(c, t)) end
          end
        else
          best = distance(c, collectors + holding[c])
        end
        if best < math.huge then r = r - 0.1 * best end
        total = total + r
      end
      for d = collectors + 1, agents do
        local r, best = global, math.huge
        for c = 1, collectors do
          if holding[c] == deposit_type[d] then best = math.min(best, distance(c, d)) end
        end
        if best == math.huge then
          -- no carrier of its type: the length of the mean vector from the nearest collectors to it
          local n = nearest(d, 1, collectors, 0)
          local count, sx, sy = math.min(seen_agents, n), 0, 0
          for r2 = 1, count do
            local c = order[r2]
            sx, sy = sx + px[d] - px[c], sy + py[d] - py[c]
          end
          best = sqrt((sx / count) ^ 2 + (sy / count) ^ 2)
        end
        total = total + r - 0.1 * best
      end
      return total
    end

    local observation_size = 6 + 8 * seen_agents + 4 * seen_treasures
    local pending = false
    local delivered = 0

    return {
      name = "treasure",
      description = "cooperative treasure collection (MAAC): " .. collectors .. " collectors, 2 deposits, " .. treasures .. " treasures of 2 types",
      -- Settings: the recorded defaults the documented results were produced with, so that they stay
      -- reproducible (envs/lib/recorded_settings.lua).
      settings = recorded.continuous_learners(),
      agents = agents,
      actions = {continuous = 2, low = -1, high = 1},
      observation_size = observation_size,
      state_size = agents * observation_size,
      episode_limit = 25,

      reset = function(self)
        particles.scatter(w, 1, agents, -1, 1)
        for c = 1, collectors do holding[c] = 0 end
        for t = first_treasure, first_treasure + treasures - 1 do spawn(t) end
        pending, delivered = false, 0
      end,

      observe = function(self, i, out) observe(i, out, 0) end,
      state = function(self, out)
        for i = 1, agents do observe(i, out, (i - 1) * observation_size) end
      end,

      step = function(self, actions)
        if pending then delivered = delivered + post_step() end
        for i = 1, agents do
          local a = actions[i]
          fx[i], fy[i] = 1.5 * a[1], 1.5 * a[2]
        end
        particles.step(w)
        pending = true
        return team_reward(), false, {deliveries = delivered}
      end,

      view = {-1.2, -1.2, 1.2, 1.2},
      render = function(self, draw)
        local colours = {}
        for c = 1, collectors do colours[c] = holding[c] == 1 and "#e67e22" or holding[c] == 2 and "#8e44ad" or "#34495e" end
        colours[collectors + 1], colours[collectors + 2] = "#d35400", "#6c3483"
        for t = first_treasure, first_treasure + treasures - 1 do colours[t] = kind[t] == 1 and "#f5b041" or "#bb8fce" end
        particles.render(w, draw, colours)
      end,
      snapshot = function(self)
        local t = {entities = particles.snapshot(w), holding = {}, kind = {}, alive = {}, pending = pending, delivered = delivered}
        for c = 1, collectors do t.holding[c] = holding[c] end
        for k = 1, treasures do t.kind[k], t.alive[k] = kind[first_treasure + k - 1], alive[first_treasure + k - 1] end
        return t
      end,
      restore = function(self, t)
        particles.restore(w, t.entities)
        for c = 1, collectors do holding[c] = t.holding[c] end
        for k = 1, treasures do kind[first_treasure + k - 1], alive[first_treasure + k - 1] = t.kind[k], t.alive[k] end
        pending, delivered = t.pending, t.delivered
      end,
    }
  end,
}
