-- The multi-agent particle world core (OpenAI MPE / MPE2; docs/worlds.md §4): round
-- entities on a plane with contact forces, damping and Euler integration. Entities live in
-- parallel arrays (px, py, vx, vy, fx, fy, size, ...) indexed 1..n so that a step creates no
-- garbage. A world sets the action forces in fx, fy, then calls particles.step.
local particles = {}

local sqrt, exp, log, abs = math.sqrt, math.exp, math.log, math.abs

-- log(1 + e^z) without overflow, with an accurate log1p (Lua has none); NumPy's logaddexp(0, z)
-- decomposes the same way, so results agree to about one ulp.
local function softplus(z)
  local y = exp(-abs(z))
  local u = 1 + y
  local l = (u == 1) and y or log(u) * y / (u - 1)
  return (z > 0 and z or 0) + l
end
particles.softplus = softplus

-- options: integration = "vel_first" (OpenAI MPE, FACMAC) or "pos_first" (MPE2, PettingZoo >= 1.23),
-- dt (0.1), damping (0.25), contact_force (100), contact_margin (0.001).
function particles.new(options)
  options = options or {}
  local integration = options.integration or "vel_first"
  if integration ~= "vel_first" and integration ~= "pos_first" then
    error("integration must be 'vel_first' or 'pos_first', got '" .. tostring(integration) .. "'")
  end
  return {
    n = 0, pos_first = integration == "pos_first",
    dt = options.dt or 0.1, damping = options.damping or 0.25,
    contact_force = options.contact_force or 100, contact_margin = options.contact_margin or 1e-3,
    px = {}, py = {}, vx = {}, vy = {}, fx = {}, fy = {},
    size = {}, mass = {}, movable = {}, collide = {}, max_speed = {},
  }
end

-- Adds an entity {size = 0.05, mass = 1, movable = true, collide = true, max_speed = nil} at rest
-- at the origin; returns its index.
function particles.add(w, e)
  local k = w.n + 1
  w.n = k
  w.px[k], w.py[k], w.vx[k], w.vy[k], w.fx[k], w.fy[k] = 0, 0, 0, 0, 0, 0
  w.size[k] = e.size or 0.05
  w.mass[k] = e.mass or 1
  w.movable[k] = e.movable ~= false
  w.collide[k] = e.collide ~= false
  w.max_speed[k] = e.max_speed or false
  return k
end

-- Centre distance between entities a and b.
function particles.distance(w, a, b)
  local dx, dy = w.px[a] - w.px[b], w.py[a] - w.py[b]
  return sqrt(dx * dx + dy * dy)
end

-- Whether a and b overlap (centre distance below the sum of the radii), MPE's is_collision.
function particles.touching(w, a, b)
  local dx, dy = w.px[a] - w.px[b], w.py[a] - w.py[b]
  return sqrt(dx * dx + dy * dy) < w.size[a] + w.size[b]
end

-- One physics step (section 4.2): the forces already in fx, fy (actions), plus contact forces for
-- every colliding pair, then damping, integration and speed clipping in the world's order.
-- Afterwards fx, fy hold the total forces of the step.
function particles.step(w)
  local n, px, py, vx, vy, fx, fy = w.n, w.px, w.py, w.vx, w.vy, w.fx, w.fy
  local size, movable, collide = w.size, w.movable, w.collide
  local margin, strength = w.contact_margin, w.contact_force
  for a = 1, n do
    if collide[a] then
      local pax, pay, sa, ma = px[a], py[a], size[a], movable[a]
      for b = a + 1, n do
        if collide[b] then
          local dx, dy = pax - px[b], pay - py[b]
          local dist = sqrt(dx * dx + dy * dy)
          local pen = margin * softplus(-(dist - (sa + size[b])) / margin)
          -- MPE's order of operations: contact_force * delta / dist * penetration
          local gx, gy = strength * dx / dist * pen, strength * dy / dist * pen
          if ma then fx[a], fy[a] = gx + fx[a], gy + fy[a] end
          if movable[b] then fx[b], fy[b] = -gx + fx[b], -gy + fy[b] end
        end
      end
    end
  end
  local dt, keep, mass, max_speed, pos_first = w.dt, 1 - w.damping, w.mass, w.max_speed, w.pos_first
  for k = 1, n do
    if movable[k] then
      if pos_first then px[k], py[k] = px[k] + vx[k] * dt, py[k] + vy[k] * dt end
      local ux, uy = vx[k] * keep, vy[k] * keep
      ux, uy = ux + fx[k] / mass[k] * dt, uy + fy[k] / mass[k] * dt
      local limit = max_speed[k]
      if limit then
        local speed = sqrt(ux * ux + uy * uy)
        if speed > limit then ux, uy = ux / speed * limit, uy / speed * limit end
      end
      vx[k], vy[k] = ux, uy
      if not pos_first then px[k], py[k] = px[k] + ux * dt, py[k] + uy * dt end
    end
  end
end

-- Puts entities first..last at rest at uniform positions in [low, high]^2 (x drawn before y,
-- entity by entity, as MPE's resets draw them).
function particles.scatter(w, first, last, low, high)
  local px, py, vx, vy, random, width = w.px, w.py, w.vx, w.vy, math.random, high - low
  for k = first, last do
    px[k], py[k] = width * random() + low, width * random() + low
    vx[k], vy[k] = 0, 0
  end
end

-- Observation pieces, written into out after position m; each returns the new position.
-- Own velocity and position: vx, vy, px, py of entity i.
function particles.write_self(w, i, out, m)
  out[m + 1], out[m + 2], out[m + 3], out[m + 4] = w.vx[i], w.vy[i], w.px[i], w.py[i]
  return m + 4
end

-- Positions of entities first..last relative to entity i (p_k - p_i), skipping i itself.
function particles.write_relative(w, i, out, m, first, last)
  local px, py = w.px, w.py
  local x, y = px[i], py[i]
  for k = first, last do
    if k ~= i then
      out[m + 1], out[m + 2] = px[k] - x, py[k] - y
      m = m + 2
    end
  end
  return m
end

-- Velocities of entities first..last, skipping entity i.
function particles.write_velocities(w, i, out, m, first, last)
  local vx, vy = w.vx, w.vy
  for k = first, last do
    if k ~= i then
      out[m + 1], out[m + 2] = vx[k], vy[k]
      m = m + 2
    end
  end
  return m
end

-- Zeroes every force (call before setting the next step's action forces).
function particles.clear_forces(w)
  local fx, fy = w.fx, w.fy
  for k = 1, w.n do fx[k], fy[k] = 0, 0 end
end

-- The whole physical state as plain data, and back (snapshot / restore of the worlds).
function particles.snapshot(w)
  local t = {}
  for k = 1, w.n do t[k] = {w.px[k], w.py[k], w.vx[k], w.vy[k]} end
  return t
end

function particles.restore(w, t)
  if type(t) ~= "table" or #t ~= w.n then error("a particle snapshot holds " .. w.n .. " entities") end
  for k = 1, w.n do
    local e = t[k]
    w.px[k], w.py[k], w.vx[k], w.vy[k] = e[1], e[2], e[3], e[4]
  end
end

-- Draws every entity as a circle, coloured by colours[k].
function particles.render(w, draw, colours)
  for k = 1, w.n do draw:circle(w.px[k], w.py[k], w.size[k], colours[k]) end
end

return particles
