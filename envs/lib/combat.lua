-- StarCraft-free unit combat (docs/worlds.md §7): the SMAClite mechanics on a 2-D plane,
-- stepped one game loop ("tick") at a time. Units live in parallel arrays indexed 1..n (allies
-- first, then enemies), allocated once; a tick creates no tables and no closures.
--
-- One tick (the order of SMAClite's world step, section 7.6):
--   1. timers: shield regeneration after the 10-game-second delay, Medivac energy, Zerg HP regen
--      (weapon cooldowns are absolute "ready" ticks, so they need no per-tick work);
--   2. orders: allies follow their last order (move / attack unit / heal / idle; allies never
--      act on their own, section 7.4); enemies run the SMAClite attack-move AI (section 7.7);
--      every unit decides from the positions at the start of the tick: in range -> stand and
--      fire (when its cooldown is over), otherwise a straight step toward its goal;
--   3. all units move at once; unpathable cells cannot be entered (the move slides along the
--      blocked axis or is dropped);
--   4. push-apart separation of overlapping units on the same plane (air and ground apart);
--   5. the units that fire (or heal) act in a seeded random order (math.random, section 7.6),
--      so a unit killed earlier in the tick does not fire.
local combat = {}

local sqrt, abs, random = math.sqrt, math.abs, math.random

-- Section 7.2: SC2 LotV "Faster" values as SMAClite encodes them. cooldown in Faster seconds,
-- speed in distance per Faster second, ranges edge to edge, smac_cooldown = SMAC's normaliser of
-- the weapon cooldown in game loops (section 7.5). bonus = {attribute = extra damage per hit}.
combat.unit_types = {
  marine = {hp = 45, armor = 0, damage = 6, attacks = 1, range = 5, cooldown = 0.61, speed = 3.15,
            radius = 0.375, attributes = {"light", "biological"}, hits_ground = true, hits_air = true,
            sight = 9, smac_cooldown = 15},
  marauder = {hp = 125, armor = 1, damage = 10, attacks = 1, bonus = {armored = 10}, range = 6, cooldown = 1.07,
              speed = 3.15, radius = 0.5625, attributes = {"armored", "biological"}, hits_ground = true,
              sight = 10, smac_cooldown = 25},
  medivac = {hp = 150, armor = 1, range = 4, speed = 3.5, radius = 0.75, attributes = {"armored", "mechanical"},
             air = true, healer = true, energy = 200, start_energy = 50, sight = 11, smac_cooldown = 200},
  stalker = {hp = 80, shield = 80, armor = 1, damage = 13, attacks = 1, bonus = {armored = 5}, range = 6,
             cooldown = 1.34, speed = 4.13, radius = 0.625, attributes = {"armored", "mechanical"},
             hits_ground = true, hits_air = true, sight = 10, smac_cooldown = 35},
  zealot = {hp = 100, shield = 50, armor = 1, damage = 8, attacks = 2, range = 0.1, cooldown = 0.86, speed = 3.15,
            radius = 0.5, attributes = {"light", "biological"}, hits_ground = true, sight = 9, smac_cooldown = 22},
  colossus = {hp = 200, shield = 150, armor = 1, damage = 10, attacks = 2, bonus = {light = 5}, range = 7,
              cooldown = 1.07, speed = 3.15, radius = 1.0, attributes = {"armored", "mechanical", "massive"},
              hits_ground = true, splash = {length = 2.8, width = 0.3}, sight = 10, smac_cooldown = 24},
  spine_crawler = {hp = 300, armor = 2, damage = 25, attacks = 1, bonus = {armored = 5}, range = 7, cooldown = 1.32,
                   speed = 0, radius = 0.5, attributes = {"armored", "biological", "structure"}, hits_ground = true,
                   hp_regen = 0.38, scan = 10, sight = 11, smac_cooldown = 15},
  -- not used by the bundled maps; here so that a zerg map is a few lines of data
  zergling = {hp = 35, armor = 0, damage = 5, attacks = 1, range = 0.1, cooldown = 0.497, speed = 4.13,
              radius = 0.375, attributes = {"light", "biological"}, hits_ground = true, hp_regen = 0.38,
              sight = 8, smac_cooldown = 11},
  hydralisk = {hp = 90, armor = 0, damage = 12, attacks = 1, range = 5, cooldown = 0.59, speed = 3.15,
               radius = 0.625, attributes = {"light", "biological"}, hits_ground = true, hits_air = true,
               hp_regen = 0.38, sight = 9, smac_cooldown = 10},
}

-- Per-tick constants that do not depend on the time scale (section 7.6; SMAClite keeps them per
-- game second of 16 ticks under both time scales).
local LOOPS_PER_GAME_SECOND = 16
combat.SHIELD_DELAY = 10 * LOOPS_PER_GAME_SECOND           -- ticks without damage before regeneration
combat.SHIELD_REGEN = 2 / LOOPS_PER_GAME_SECOND            -- shield per tick
combat.HEAL_PER_TICK = 9 / LOOPS_PER_GAME_SECOND           -- Medivac heal per tick (12.6 per Faster second)
combat.HP_PER_ENERGY = 3
combat.ENERGY_REGEN = 0.5625 / LOOPS_PER_GAME_SECOND       -- Medivac energy per tick
combat.HEAL_START_ENERGY = 5                               -- energy needed to start healing a new target
combat.SCAN_RANGE = 5                                      -- enemy auto-acquire range (+ target radius)

-- Section 7.3: ticks per Faster second. "sc2" (Option A, default): one tick = one game loop,
-- 22.4 loops per Faster second. "smaclite" (Option B): 16 ticks per Faster second.
combat.time_scales = {sc2 = 22.4, smaclite = 16}

-- Terrain: a width x height grid of pathable cells given as a list of inclusive cell boxes
-- {x0, y0, x1, y1}. Returns the flat grid (index x + y * width + 1, x and y whole cells).
function combat.grid(width, height, boxes)
  local grid = {}
  for k = 1, width * height do grid[k] = false end
  for _, b in ipairs(boxes) do
    for y = b[2], b[4] do
      for x = b[1], b[3] do grid[x + y * width + 1] = true end
    end
  end
  return grid
end

-- SMAClite's group layout (section 7.1): the units of a group, in listed order, fill a square
-- grid ceil(sqrt(n)) wide row by row; the enemy layout is point-mirrored. units: list of
-- {type name, count}; mirror: true for the enemy side. Appends {type, x, y} to list.
function combat.place_group(list, cx, cy, units, mirror)
  local types = {}
  for _, entry in ipairs(units) do
    for _ = 1, entry[2] do types[#types + 1] = entry[1] end
  end
  local side = math.ceil(sqrt(#types) - 1e-9)
  local rows = {}
  for r = 1, side do rows[r] = {} end
  for k, name in ipairs(types) do
    local r = (k - 1) // side + 1
    rows[r][#rows[r] + 1] = name
  end
  local buffer, m = 0.05, mirror and -1 or 1
  local row_radius, height, width = {}, 0, 0
  for r = 1, side do
    local top, sum = 0, 0
    for _, name in ipairs(rows[r]) do
      local radius = combat.unit_types[name].radius
      if radius > top then top = radius end
      sum = sum + 2 * radius
    end
    row_radius[r] = top
    height = height + 2 * top
    if sum > width then width = sum end
  end
  height = height + (side - 1) * buffer
  local x0, y = cx - m * width / 2, cy - m * height / 2
  local previous_row = 0
  for r = 1, side do
    local x, previous = x0, 0
    y = y + m * (previous_row + row_radius[r])
    previous_row = row_radius[r]
    for _, name in ipairs(rows[r]) do
      local radius = combat.unit_types[name].radius
      x = x + m * (previous + radius)
      previous = radius
      list[#list + 1] = {type = name, x = x, y = y}
      x = x + m * buffer
    end
    y = y + m * buffer
  end
  return list
end

-- A combat world. spec = {
--   units = list of {type = name, side = 1 (ally) or 2 (enemy), x, y} in index order,
--   width, height, pathable = flat grid (combat.grid), attack_point = {x, y} (enemies' attack-move goal),
--   time_scale = "sc2" or "smaclite" }
-- The returned table holds the unit arrays (read them, or write them between runs) and the
-- functions reset(), run(ticks), order_move(u, x, y), order_attack(u, t), order_stop(u),
-- pathable(x, y), get_now() / set_now(tick) and refresh() (call it after writing hp or positions).
function combat.new(spec)
  local ticks_per_second = combat.time_scales[spec.time_scale or "sc2"]
  if not ticks_per_second then error("time_scale must be 'sc2' or 'smaclite', got '" .. tostring(spec.time_scale) .. "'") end
  local width, height, grid = spec.width, spec.height, spec.pathable
  local n = #spec.units
  local SHIELD_DELAY, SHIELD_REGEN, HEAL_PER_TICK = combat.SHIELD_DELAY, combat.SHIELD_REGEN, combat.HEAL_PER_TICK
  local HP_PER_ENERGY, ENERGY_REGEN, HEAL_START_ENERGY = combat.HP_PER_ENERGY, combat.ENERGY_REGEN, combat.HEAL_START_ENERGY
  local attack_x, attack_y = spec.attack_point[1], spec.attack_point[2]

  -- constants per unit
  local TYPE, SIDE, MAXHP, MAXSH, MAXEN, ARMOR, RANGE, RAD, SPD, CDT, SCAN = {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}
  local AIR, HITS_AIR, HITS_GROUND, HEALER, SPLASH, HITS, REGEN = {}, {}, {}, {}, {}, {}, {}
  local X0, Y0, EN0 = {}, {}, {}
  -- state per unit
  local X, Y, HP, SH, EN, HB = {}, {}, {}, {}, {}, {}     -- position, health, shield, energy, heal buffer
  local READY, SREADY = {}, {}       -- tick from which the weapon may fire / the shield regenerates
  local ORD, TGT, GX, GY = {}, {}, {}, {}   -- order (0 idle, 1 move, 2 attack or heal), target unit, move goal
  local HPREV = {}                   -- healers: the unit healed in the previous tick (0: none)
  local FIRED = {}                   -- the unit last fired at or healed (for render; cleared by the world)
  -- scratch per tick
  local LIVE = {}                    -- the living in index order
  local SWEEP = {{}, {}}             -- the living ground (1) and air (2) units, each sorted by x (separation)
  local nsweep = {0, 0}
  local MX, MY, PX, PY = {}, {}, {}, {}   -- this tick's move and push
  local FIRE, FT, HITBUF = {}, {}, {}     -- this tick's shooters and their targets; splash victims
  local MOVED = {}                   -- the last tick in which the unit moved or was pushed
  local QUIET = {}                   -- enemies: no ally can be acquired while travel < QUIET (see acquire)

  local types, type_index = {}, {}
  local max_radius = 0
  local na = 0        -- allies are units 1..na, enemies na + 1..n
  for u, e in ipairs(spec.units) do
    if e.side == 1 then
      if u ~= na + 1 then error("allies (side 1) must come before the enemies (side 2)") end
      na = u
    elseif e.side ~= 2 then error("a unit's side must be 1 (ally) or 2 (enemy)") end
    local t = combat.unit_types[e.type]
    if not t then error("unknown unit type '" .. tostring(e.type) .. "'") end
    if not type_index[e.type] then types[#types + 1] = e.type; type_index[e.type] = #types end
    TYPE[u], SIDE[u] = type_index[e.type], e.side
    MAXHP[u], MAXSH[u], MAXEN[u], ARMOR[u] = t.hp, t.shield or 0, t.energy or 0, t.armor
    RANGE[u], RAD[u] = t.range, t.radius
    SPD[u] = t.speed / ticks_per_second
    CDT[u] = (t.cooldown or 0) * ticks_per_second
    SCAN[u] = t.scan or combat.SCAN_RANGE
    AIR[u], HITS_AIR[u], HITS_GROUND[u] = t.air or false, t.hits_air or false, t.hits_ground or false
    HEALER[u], SPLASH[u], HITS[u] = t.healer or false, t.splash or false, t.attacks or 0
    REGEN[u] = (t.hp_regen or 0) / ticks_per_second
    X0[u], Y0[u], EN0[u] = e.x, e.y, t.start_energy or 0
    if t.radius > max_radius then max_radius = t.radius end
    MX[u], MY[u], PX[u], PY[u], MOVED[u], FT[u], FIRE[u], LIVE[u], HITBUF[u], QUIET[u] = 0, 0, 0, 0, -1, 0, 0, 0, 0, 0
  end
  local plane_radius = {0, 0}     -- the largest radius on the ground and in the air
  for u = 1, n do
    local plane = AIR[u] and 2 or 1
    if RAD[u] > plane_radius[plane] then plane_radius[plane] = RAD[u] end
  end
  local healers_a = {}     -- the allies' healers (section 7.7 step 5)
  for u = 1, na do if HEALER[u] then healers_a[#healers_a + 1] = u end end
  -- damage per hit of type a on type b, bonuses included: DMG[a][b]
  local DMG = {}
  for a, name_a in ipairs(types) do
    local ta = combat.unit_types[name_a]
    DMG[a] = {}
    for b, name_b in ipairs(types) do
      local amount = ta.damage or 0
      for _, attribute in ipairs(combat.unit_types[name_b].attributes) do
        amount = amount + (ta.bonus and ta.bonus[attribute] or 0)
      end
      DMG[a][b] = amount
    end
  end
  -- the units with per-tick timers
  local shielded, energetic, regenerating = {}, {}, {}
  for u = 1, n do
    if MAXSH[u] > 0 then shielded[#shielded + 1] = u end
    if MAXEN[u] > 0 then energetic[#energetic + 1] = u end
    if REGEN[u] > 0 then regenerating[#regenerating + 1] = u end
  end
  local nshielded, nenergetic, nregenerating = #shielded, #energetic, #regenerating

  local now, nlive = 0, 0
  -- travel: the sum over ticks of twice the largest displacement (|dx| + |dy|) of any unit, a
  -- bound on how much any distance can have shrunk since an earlier value of it
  local travel = 0
  local w = {
    n = n, n_allies = na, types = types, TYPE = TYPE, SIDE = SIDE, MAXHP = MAXHP, MAXSH = MAXSH, MAXEN = MAXEN, ARMOR = ARMOR,
    RANGE = RANGE, RAD = RAD, SPD = SPD, CDT = CDT, AIR = AIR, HEALER = HEALER, SPLASH = SPLASH, DMG = DMG,
    X = X, Y = Y, HP = HP, SH = SH, EN = EN, HB = HB, READY = READY, SREADY = SREADY, ORD = ORD, TGT = TGT,
    GX = GX, GY = GY, HPREV = HPREV, FIRED = FIRED, width = width, height = height, grid = grid,
    max_radius = max_radius, ticks_per_second = ticks_per_second,
    alive = {0, 0},            -- living units per side
    alive_fighters = {0, 0},   -- living non-healers per side
  }
  local alive, alive_fighters = w.alive, w.alive_fighters

  local function pathable(x, y)
    if x < 0 or y < 0 or x >= width or y >= height then return false end
    return grid[(x // 1) + (y // 1) * width + 1]
  end
  w.pathable = pathable

  -- Recounts the living (after reset, restore or a direct write to HP or positions).
  local function refresh()
    nlive, nsweep[1], nsweep[2] = 0, 0, 0
    alive[1], alive[2], alive_fighters[1], alive_fighters[2] = 0, 0, 0, 0
    for u = 1, n do
      MOVED[u] = now      -- positions may have been written: check every pair in the next tick
      QUIET[u] = travel   -- and let every enemy look for targets
      if HP[u] > 0 then
        nlive = nlive + 1
        LIVE[nlive] = u
        local plane = AIR[u] and 2 or 1
        nsweep[plane] = nsweep[plane] + 1
        SWEEP[plane][nsweep[plane]] = u
        local s = SIDE[u]
        alive[s] = alive[s] + 1
        if not HEALER[u] then alive_fighters[s] = alive_fighters[s] + 1 end
      else
        HP[u], ORD[u], TGT[u] = 0, 0, 0
      end
    end
  end
  w.refresh = refresh

  function w.get_now() return now end
  function w.set_now(t) now = t end

  -- Every unit at its spawn point with full health, shields and starting energy, weapons ready;
  -- allies idle, enemies attack-moving to the attack point (section 7.7 step 1).
  function w.reset()
    now, travel = 0, 0
    for u = 1, n do
      X[u], Y[u], HP[u], SH[u], EN[u], HB[u] = X0[u], Y0[u], MAXHP[u], MAXSH[u], EN0[u], 0
      READY[u], SREADY[u], ORD[u], TGT[u], GX[u], GY[u], HPREV[u], FIRED[u] = 0, 0, 0, 0, 0, 0, 0, 0
      if SIDE[u] == 2 then ORD[u] = 2 end      -- enemies: attack-move (TGT 0: no target yet)
    end
    refresh()
  end

  function w.order_stop(u) ORD[u], TGT[u] = 0, 0 end
  function w.order_move(u, x, y) ORD[u], TGT[u], GX[u], GY[u] = 1, 0, x, y end
  function w.order_attack(u, t)
    ORD[u], TGT[u] = 2, t
    QUIET[t] = travel     -- an enemy under attack acquires its attacker at any distance
  end

  local function kill(u)
    HP[u], ORD[u], TGT[u] = 0, 0, 0
    local s = SIDE[u]
    alive[s] = alive[s] - 1
    if not HEALER[u] then alive_fighters[s] = alive_fighters[s] - 1 end
    local k = 1
    while LIVE[k] ~= u do k = k + 1 end
    for j = k, nlive - 1 do LIVE[j] = LIVE[j + 1] end
    nlive = nlive - 1
    local plane = AIR[u] and 2 or 1
    local sweep, count = SWEEP[plane], nsweep[plane]
    k = 1
    while sweep[k] ~= u do k = k + 1 end
    for j = k, count - 1 do sweep[j] = sweep[j + 1] end
    nsweep[plane] = count - 1
  end

  -- One weapon strike of u on t, every hit of it (section 7.6): shields absorb first, the rest
  -- minus armor (per hit, floored at 0) comes off health.
  local function strike(u, t)
    local hp = HP[t]
    if hp <= 0 then return end
    if MAXSH[t] > 0 then SREADY[t] = now + SHIELD_DELAY end
    local amount, armor, sh = DMG[TYPE[u]][TYPE[t]], ARMOR[t], SH[t]
    for _ = 1, HITS[u] do
      local a = amount
      if sh > 0 then
        if a <= sh then sh, a = sh - a, 0 else sh, a = 0, a - sh end
      end
      a = a - armor
      if a > 0 then
        if a >= hp then hp = 0 else hp = hp - a end
      end
      if hp == 0 then break end
    end
    SH[t], HP[t] = sh, hp
    if hp == 0 then kill(t) end
  end

  -- Colossus line splash: a segment (length x width) perpendicular to the attack direction,
  -- centred on the target; every opposing ground unit whose disc touches it is struck.
  local function splash(u, t)
    local geometry = SPLASH[u]
    local half_length, half_width = geometry.length / 2, geometry.width / 2
    local tx, ty = X[t], Y[t]
    local ux, uy = tx - X[u], ty - Y[u]
    local d = sqrt(ux * ux + uy * uy)
    if d > 0 then ux, uy = ux / d, uy / d else ux, uy = 1, 0 end
    local side, count = SIDE[u], 0
    for k = 1, nlive do
      local v = LIVE[k]
      if SIDE[v] ~= side and not AIR[v] then
        local rx, ry = X[v] - tx, Y[v] - ty
        local along = abs(ry * ux - rx * uy) - half_length     -- along the segment
        local across = abs(rx * ux + ry * uy) - half_width     -- across its width
        if along < 0 then along = 0 end
        if across < 0 then across = 0 end
        local r = RAD[v]
        if along * along + across * across <= r * r then count = count + 1; HITBUF[count] = v end
      end
    end
    for k = 1, count do strike(u, HITBUF[k]) end
  end

  -- One tick of Medivac healing (section 7.6): up to HEAL_PER_TICK, paid from a buffer refilled
  -- one energy (= 3 HP) at a time; a new target needs HEAL_START_ENERGY.
  local function heal(m, t)
    local hp, top = HP[t], MAXHP[t]
    if hp <= 0 or hp >= top or (HPREV[m] ~= t and EN[m] < HEAL_START_ENERGY) then
      HPREV[m] = 0
      if SIDE[m] == 2 then TGT[m] = 0 end
      return
    end
    local want = top - hp
    if want > HEAL_PER_TICK then want = HEAL_PER_TICK end
    local buffer = HB[m]
    if buffer < want then
      local e = EN[m]
      local spent = e < 1 and e or 1
      EN[m] = e - spent
      buffer = buffer + spent * HP_PER_ENERGY
    end
    local amount = want < buffer and want or buffer
    HB[m] = buffer - amount
    HP[t] = hp + amount
    HPREV[m], FIRED[m] = t, t
  end

  local function can_hit(u, t)
    if AIR[t] then return HITS_AIR[u] end
    return HITS_GROUND[u]
  end
  w.can_hit = can_hit

  -- Section 7.7 step 2: the ally an enemy e acquires: among living allies it can hit that are
  -- within its scan range (+ their radius), or that attack e, the smallest (is-not-healer,
  -- distance). Returns 0 when there is none. Then QUIET[e] is set to the travel at which the
  -- nearest of them could first come into range: allies only come to attack e with new orders
  -- (order_attack resets QUIET), so until then the answer stays 0 without looking.
  local function acquire(e)
    if travel < QUIET[e] then return 0 end
    local x, y, scan, air_ok, ground_ok = X[e], Y[e], SCAN[e], HITS_AIR[e], HITS_GROUND[e]
    local best, best_rank, best_d2 = 0, 2, 0
    local slack = math.huge     -- the smallest d - reach of the allies out of range
    for a = 1, na do
      if HP[a] > 0 and (AIR[a] and air_ok or not AIR[a] and ground_ok) then
        local dx, dy = X[a] - x, Y[a] - y
        local d2 = dx * dx + dy * dy
        local reach = scan + RAD[a]
        if d2 >= reach * reach then
          local gap = sqrt(d2) - reach
          if gap < slack then slack = gap end
          d2 = (ORD[a] == 2 and TGT[a] == e and not HEALER[a]) and 4e18 or -1
        end
        if d2 >= 0 then
          local rank = HEALER[a] and 0 or 1
          if rank < best_rank or (rank == best_rank and d2 < best_d2) then best, best_rank, best_d2 = a, rank, d2 end
        end
      end
    end
    if best == 0 then QUIET[e] = travel + slack end
    return best
  end

  -- Section 7.7 step 5: the closest living allied healer enemy e can hit within its scan range
  -- (+ the healer's radius), or 0.
  local function seek_healer(e)
    local x, y, scan, air_ok, ground_ok = X[e], Y[e], SCAN[e], HITS_AIR[e], HITS_GROUND[e]
    local best, best_d2 = 0, math.huge
    for k = 1, #healers_a do
      local a = healers_a[k]
      if HP[a] > 0 and (AIR[a] and air_ok or not AIR[a] and ground_ok) then
        local dx, dy = X[a] - x, Y[a] - y
        local d2 = dx * dx + dy * dy
        local reach = scan + RAD[a]
        if d2 < reach * reach and d2 < best_d2 then best, best_d2 = a, d2 end
      end
    end
    return best
  end

  -- Section 7.7 step 6: an enemy healer's patient: the living injured friendly ground unit with
  -- the least health within its scan range (+ its radius), or 0.
  local function patient(m)
    local x, y, scan, side = X[m], Y[m], SCAN[m], SIDE[m]
    local best, least = 0, math.huge
    for k = 1, nlive do
      local a = LIVE[k]
      if a ~= m and SIDE[a] == side and not AIR[a] and HP[a] < MAXHP[a] and HP[a] < least then
        local dx, dy = X[a] - x, Y[a] - y
        local reach = scan + RAD[a]
        if dx * dx + dy * dy < reach * reach then best, least = a, HP[a] end
      end
    end
    return best
  end

  -- the slowest living friend an enemy healer sees (section 7.7 step 6)
  local function escort_speed(m)
    local x, y, side, reach = X[m], Y[m], SIDE[m], SCAN[m] + max_radius
    local speed = SPD[m]
    for k = 1, nlive do
      local a = LIVE[k]
      if a ~= m and SIDE[a] == side and SPD[a] < speed then
        local dx, dy = X[a] - x, Y[a] - y
        if dx * dx + dy * dy < reach * reach then speed = SPD[a] end
      end
    end
    return speed
  end

  -- Moves u by (mx, my) unless that enters an unpathable cell; then it slides along one axis.
  local function slide(u, mx, my)
    local x, y = X[u], Y[u]
    local nx, ny = x + mx, y + my
    if pathable(nx, ny) then X[u], Y[u] = nx, ny
    elseif mx ~= 0 and pathable(nx, y) then X[u] = nx
    elseif my ~= 0 and pathable(x, ny) then Y[u] = ny end
  end
  w.slide = slide

  local function tick()
    now = now + 1
    -- 1. timers
    for k = 1, nshielded do
      local u = shielded[k]
      local sh, top = SH[u], MAXSH[u]
      if sh < top and now >= SREADY[u] and HP[u] > 0 then
        sh = sh + SHIELD_REGEN
        SH[u] = sh < top and sh or top
      end
    end
    for k = 1, nenergetic do
      local u = energetic[k]
      local e, top = EN[u], MAXEN[u]
      if e < top and HP[u] > 0 then
        e = e + ENERGY_REGEN
        EN[u] = e < top and e or top
      end
    end
    for k = 1, nregenerating do
      local u = regenerating[k]
      local hp, top = HP[u], MAXHP[u]
      if hp < top and hp > 0 then
        hp = hp + REGEN[u]
        HP[u] = hp < top and hp or top
      end
    end

    -- 2. orders, decided from the positions at the start of the tick
    local nfire = 0
    local healer_ally = alive[1] > alive_fighters[1]
    for k = 1, nlive do
      local u = LIVE[k]
      local x, y = X[u], Y[u]
      local mx, my = 0, 0
      local ord, t = ORD[u], TGT[u]
      local known, dx, dy, d2 = 0, 0, 0, 0     -- the offset to unit `known` when already computed
      if u > na then
        -- enemy AI (section 7.7)
        if HEALER[u] then
          if t ~= 0 then
            local reach = RANGE[u] + RAD[u] + RAD[t]
            dx, dy = X[t] - x, Y[t] - y
            d2, known = dx * dx + dy * dy, t
            if HP[t] <= 0 or HP[t] >= MAXHP[t] or d2 > reach * reach then t = 0 end
          end
          if t == 0 then t = patient(u) end
        else
          if t ~= 0 then     -- step 3: keep a living target that is in range or attacks this unit
            if HP[t] <= 0 then t = 0
            else
              dx, dy = X[t] - x, Y[t] - y
              d2, known = dx * dx + dy * dy, t
              if not (ORD[t] == 2 and TGT[t] == u) then
                local reach = RANGE[u] + RAD[u] + RAD[t]
                if d2 > reach * reach then t = 0 end
              end
            end
          end
          if t == 0 then t = acquire(u)
          elseif healer_ally and not HEALER[t] then     -- step 5: switch to a healer in range
            local other = seek_healer(u)
            if other ~= 0 then t = other end
          end
        end
        TGT[u] = t
        if t == 0 then   -- attack-move toward the attack point
          local ax, ay = attack_x - x, attack_y - y
          local a2 = ax * ax + ay * ay
          local s = HEALER[u] and escort_speed(u) or SPD[u]
          if a2 <= s * s then mx, my = ax, ay
          elseif s > 0 then
            local f = s / sqrt(a2)
            mx, my = ax * f, ay * f
          end
        end
      elseif ord == 1 then   -- move order: straight at full speed, stop on arrival
        local gx, gy = GX[u] - x, GY[u] - y
        local g2, s = gx * gx + gy * gy, SPD[u]
        if g2 <= s * s then mx, my, ORD[u] = gx, gy, 0
        else
          local f = s / sqrt(g2)
          mx, my = gx * f, gy * f
        end
        t = 0
      elseif ord == 2 and HP[t] <= 0 then
        ORD[u], TGT[u], t = 0, 0, 0     -- the target died: idle
      elseif ord ~= 2 then
        t = 0
      end
      if t ~= 0 then   -- attack (or heal) unit t: stand and fire in range, otherwise approach
        if t ~= known then
          dx, dy = X[t] - x, Y[t] - y
          d2 = dx * dx + dy * dy
        end
        local reach = RANGE[u] + RAD[u] + RAD[t]
        if d2 <= reach * reach and (HEALER[u] or (AIR[t] and HITS_AIR[u] or not AIR[t] and HITS_GROUND[u])) then
          if HEALER[u] or now >= READY[u] then
            nfire = nfire + 1
            FIRE[nfire], FT[u] = u, t
          end
        else
          local s, d = SPD[u], sqrt(d2)
          local room = d - RAD[u] - RAD[t]     -- stop at contact
          if room < s then s = room end
          if s > 0 then mx, my = dx / d * s, dy / d * s end
          if HEALER[u] then HPREV[u] = 0 end
        end
      elseif HEALER[u] then
        HPREV[u] = 0
      end
      MX[u], MY[u] = mx, my
    end

    -- 3. movement, all units at once; and
    -- 4. separation: overlapping pairs on the same plane are pushed apart, all at once (SMAX's
    -- rule, section 7.6), half each, or wholly onto the movable one when the other is rooted.
    -- (Resolving the pairs one after the other instead favours the lower indices in melee
    -- clumps.) Sweep and prune: the living of each plane sorted by x (insertion sort as they
    -- move: the order barely changes between ticks), a unit only meets those less than two
    -- radii to its right. A pair of units that have neither moved nor been pushed since the
    -- previous tick cannot have come to overlap and is skipped.
    local largest = 0     -- the largest |dx| + |dy| of any unit this tick
    local recent, pushed = now - 1, false
    for plane = 1, 2 do
      local sweep, count, reach_max = SWEEP[plane], nsweep[plane], plane_radius[plane]
      for k = 1, count do
        local u = sweep[k]
        local mx, my = MX[u], MY[u]
        local xu = X[u]
        if mx ~= 0 or my ~= 0 then
          local nx, ny = xu + mx, Y[u] + my
          if nx >= 0 and ny >= 0 and nx < width and ny < height and grid[(nx // 1) + (ny // 1) * width + 1] then
            X[u], Y[u] = nx, ny
          else
            slide(u, mx, my)
          end
          xu = X[u]
          MOVED[u] = now
          local l1 = (mx < 0 and -mx or mx) + (my < 0 and -my or my)
          if l1 > largest then largest = l1 end
        end
        local j = k - 1
        while j >= 1 and X[sweep[j]] > xu do
          sweep[j + 1] = sweep[j]
          j = j - 1
        end
        sweep[j + 1] = u
      end
      for k = 1, count - 1 do
        local u = sweep[k]
        local xu, yu, ru, su = X[u], Y[u], RAD[u], SPD[u] > 0
        local xlimit, still = xu + ru + reach_max, MOVED[u] < recent
        for j = k + 1, count do
          local v = sweep[j]
          local xv = X[v]
          if xv >= xlimit then break end
          if not (still and MOVED[v] < recent) then
            local dx, dy = xu - xv, yu - Y[v]
            local reach = ru + RAD[v]
            local d2 = dx * dx + dy * dy
            if d2 < reach * reach then
              local f
              if d2 > 0 then
                f = reach / sqrt(d2) - 1
              else     -- coincident: part along x, the first in the sweep to the left
                dx, dy, f = -1e-3, 0, reach / 1e-3 - 1
              end
              local sv = SPD[v] > 0
              if su and sv then f = f / 2 end
              if su then PX[u], PY[u] = PX[u] + dx * f, PY[u] + dy * f; pushed = true end
              if sv then PX[v], PY[v] = PX[v] - dx * f, PY[v] - dy * f; pushed = true end
            end
          end
        end
      end
    end
    if pushed then
      local push = 0
      for k = 1, nlive do
        local u = LIVE[k]
        local px, py = PX[u], PY[u]
        if px ~= 0 or py ~= 0 then
          local nx, ny = X[u] + px, Y[u] + py
          if nx >= 0 and ny >= 0 and nx < width and ny < height and grid[(nx // 1) + (ny // 1) * width + 1] then
            X[u], Y[u] = nx, ny
          else
            slide(u, px, py)
          end
          MOVED[u], PX[u], PY[u] = now, 0, 0
          local l1 = (px < 0 and -px or px) + (py < 0 and -py or py)
          if l1 > push then push = l1 end
        end
      end
      largest = largest + push
    end
    travel = travel + 2 * largest

    -- 5. fire and heal, in a random order
    if nfire > 1 then
      for k = nfire, 2, -1 do
        local j = random(k)
        FIRE[k], FIRE[j] = FIRE[j], FIRE[k]
      end
    end
    for k = 1, nfire do
      local u = FIRE[k]
      if HP[u] > 0 then
        local t = FT[u]
        if HEALER[u] then heal(u, t)
        else
          READY[u] = now + CDT[u]
          FIRED[u] = t
          if SPLASH[u] then splash(u, t) else strike(u, t) end
        end
      end
    end
  end

  function w.run(ticks)
    for _ = 1, ticks do tick() end
  end

  w.reset()
  return w
end

return combat
