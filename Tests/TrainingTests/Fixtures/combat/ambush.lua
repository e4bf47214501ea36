-- A world written for the HASAC-on-combat test (not a bundled world): two scouts and a sentry with
-- 4 hit points. A living scout waits, hides or strikes; a strike costs the sentry a hit point, pays 1
-- and kills the striker with probability 0.3; a dead scout can only wait (its one available action).
-- Killing the sentry pays 10 and ends the episode; hiding until the 12-step limit pays nothing.
local hp, alive, t
return {
  agents = 2, actions = {discrete = 3}, observation_size = 4, state_size = 4, episode_limit = 12,
  reset = function(self) hp, alive, t = 4, {true, true}, 0 end,
  available = function(self, i, out)
    out[1] = true
    out[2] = alive[i]
    out[3] = alive[i]
  end,
  observe = function(self, i, out)
    out[1], out[2], out[3], out[4] = hp / 4, alive[i] and 1 or 0, alive[3 - i] and 1 or 0, t / 12
  end,
  state = function(self, out)
    out[1], out[2], out[3], out[4] = hp / 4, alive[1] and 1 or 0, alive[2] and 1 or 0, t / 12
  end,
  step = function(self, actions)
    local reward = 0
    for i = 1, 2 do
      if alive[i] and actions[i] == 3 and hp > 0 then
        hp, reward = hp - 1, reward + 1
        if math.random() < 0.3 then alive[i] = false end
      end
    end
    t = t + 1
    if hp <= 0 then return reward + 10, true end
    return reward, not alive[1] and not alive[2]
  end,
}
