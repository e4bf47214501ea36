/// The Lua half of the host, run once in every world instance before the world file.
///
/// It builds the sandbox (docs/design.md §2) and the per-instance driver: one protected call per
/// reset or step, in which the driver calls the world's `step`, `observe`, `state` and `available`
/// Lua-to-Lua, so the host pays one `pcall` per step however many agents there are.
enum HostPrelude {
    static let chunkName = "=[marl-sim host]"

    static let source = #"""
local read_file, stopped, host_print, host_clock, roots = ...
local G = _G
local raw_load, raw_pcall, raw_xpcall, raw_setmetatable = load, pcall, xpcall, setmetatable
local type, error, select, rawget, ipairs, tostring = type, error, select, rawget, ipairs, tostring

G.dofile, G.loadfile = nil, nil
G.print = host_print
G.os = {clock = host_clock}

G.load = function(chunk, name, mode, ...)
  if mode ~= nil and mode ~= "t" then
    error("load: worlds may load text chunks only (mode 't'); binary chunks are refused", 2)
  end
  if select("#", ...) > 0 then return raw_load(chunk, name, "t", ...) end
  return raw_load(chunk, name, "t")
end

-- A world must not swallow the watchdog's stop with its own pcall.
local function recheck(ok, ...)
  if not ok and stopped() then error((...), 0) end
  return ok, ...
end
G.pcall = function(f, ...) return recheck(raw_pcall(f, ...)) end
G.xpcall = function(f, handler, ...) return recheck(raw_xpcall(f, handler, ...)) end

-- Finalizers run inside the garbage collector, where the host cannot bound their running time.
G.setmetatable = function(t, mt)
  if type(mt) == "table" and rawget(mt, "__gc") ~= nil then
    error("setmetatable: __gc metamethods are not allowed in worlds", 2)
  end
  return raw_setmetatable(t, mt)
end

local host = {files = {}}

local loaded, loading = {}, {}
G.require = function(name)
  if type(name) ~= "string" or not name:match("^[%a_][%w_%.]*$") or name:find("..", 1, true) then
    error("require: '" .. tostring(name) .. "' is not a module name: modules are named like " ..
      "'particles' or 'lib.vectors' and come only from the world's folder and envs/lib/", 2)
  end
  local value = loaded[name]
  if value ~= nil then return value end
  if loading[name] then error("require: module '" .. name .. "' requires itself (a cycle)", 2) end
  local relative = name:gsub("%.", "/")
  for _, root in ipairs(roots) do
    for _, form in ipairs({"%s/%s.lua", "%s/%s/init.lua"}) do
      local path = form:format(root, relative)
      local text = read_file(path)
      if text then
        host.files[#host.files + 1] = path
        local chunk, message = raw_load(text, "@" .. path, "t")
        if not chunk then error(message, 0) end
        loading[name] = true
        local result = chunk(name)
        loading[name] = nil
        if result == nil then result = true end
        loaded[name] = result
        return result
      end
    end
  end
  error("require: module '" .. name .. "' is not in the world's folder or envs/lib/ (searched " ..
    table.concat(roots, ", ") .. ")", 2)
end

function host.compile(text, chunkname)
  local chunk, message = raw_load(text, chunkname, "t")
  if not chunk then error(message, 0) end
  return chunk
end

function host.seed(a, b) math.randomseed(a, b) end

-- The draw object handed to render(self, draw): records calls as flat lists.
local function finite(v) return type(v) == "number" and v == v and v ~= math.huge and v ~= -math.huge end
local function check_numbers(kind, names, ...)
  for k = 1, #names do
    if not finite((select(k, ...))) then
      error("draw:" .. kind .. ": " .. names[k] .. " must be a finite number, got " .. tostring((select(k, ...))), 3)
    end
  end
end
local function check_color(kind, color)
  if color ~= nil and type(color) ~= "string" then
    error("draw:" .. kind .. ": color must be a string such as '#e4572e' or 'red', got a " .. type(color), 3)
  end
end
local draw_methods = {
  circle = function(d, x, y, r, color)
    check_numbers("circle", {"x", "y", "r"}, x, y, r); check_color("circle", color)
    d.calls[#d.calls + 1] = {"circle", x, y, r, 0, color}
  end,
  line = function(d, x1, y1, x2, y2, color)
    check_numbers("line", {"x1", "y1", "x2", "y2"}, x1, y1, x2, y2); check_color("line", color)
    d.calls[#d.calls + 1] = {"line", x1, y1, x2, y2, color}
  end,
  rect = function(d, x, y, w, h, color)
    check_numbers("rect", {"x", "y", "w", "h"}, x, y, w, h); check_color("rect", color)
    d.calls[#d.calls + 1] = {"rect", x, y, w, h, color}
  end,
  text = function(d, x, y, s, color)
    check_numbers("text", {"x", "y"}, x, y); check_color("text", color)
    if type(s) ~= "string" and type(s) ~= "number" then
      error("draw:text: s must be a string, got a " .. type(s), 2)
    end
    d.calls[#d.calls + 1] = {"text", x, y, 0, 0, color, tostring(s)}
  end,
}
local draw_meta = {__index = draw_methods}

-- obs_sizes: one per agent; state_size: 0 without a state function; avail_sizes: one per agent
-- (0 for a continuous agent) or nil without an available function; action_dims: 0 for a
-- discrete agent, else the number of continuous values.
function host.driver(w, agents, obs_sizes, state_size, avail_sizes, action_dims)
  local reset, step, observe, state, available = w.reset, w.step, w.observe, w.state, w.available
  local render, snapshot, restore, scripted_action = w.render, w.snapshot, w.restore, w.scripted_action
  -- io[1]: strict (clear outputs before each call). The running phase and agent, for error
  -- messages, live in locals: a write to one costs less than a table write on every call.
  local io = {false}
  local phase, phase_agent = "reset", 0
  local obs_out, obs_res, avail_out, avail_res, actions = {}, {}, {}, {}, {}
  for i = 1, agents do
    local t = {}
    for k = 1, obs_sizes[i] + 1 do t[k] = 0 end
    t[obs_sizes[i] + 1] = nil
    obs_out[i], obs_res[i] = t, t
    if avail_sizes and avail_sizes[i] > 0 then
      local a = {}
      for k = 1, avail_sizes[i] + 1 do a[k] = true end
      a[avail_sizes[i] + 1] = nil
      avail_out[i], avail_res[i] = a, a
    else
      avail_res[i] = false
    end
    if action_dims[i] > 0 then
      local a = {}
      for k = 1, action_dims[i] do a[k] = 0.0 end
      actions[i] = a
    else
      actions[i] = 1
    end
  end
  local state_out = {}
  for k = 1, state_size + 1 do state_out[k] = 0 end
  state_out[state_size + 1] = nil
  local state_box = {state_out}

  local function clear(t, n) for k = 1, n + 1 do t[k] = nil end end

  local function collect()
    local strict = io[1]
    phase = "observe"
    for i = 1, agents do
      phase_agent = i
      local out = obs_out[i]
      if strict then clear(out, obs_sizes[i]) end
      local r = observe(w, i, out)
      if r == nil then obs_res[i] = out else obs_res[i] = r end
    end
    if state then
      phase, phase_agent = "state", 0
      if strict then clear(state_out, state_size) end
      local r = state(w, state_out)
      if r == nil then state_box[1] = state_out else state_box[1] = r end
    end
    if avail_sizes then
      phase = "available"
      for i = 1, agents do
        local out = avail_out[i]
        if out then
          phase_agent = i
          if strict then clear(out, avail_sizes[i]) end
          local r = available(w, i, out)
          if r == nil then avail_res[i] = out else avail_res[i] = r end
        end
      end
    end
  end

  local function do_reset()
    phase, phase_agent = "reset", 0
    reset(w)
    collect()
  end

  local function do_step()
    phase, phase_agent = "step", 0
    local reward, terminated, info = step(w, actions)
    collect()
    return reward, terminated, info
  end

  local function do_render()
    phase, phase_agent = "render", 0
    local d = raw_setmetatable({calls = {}}, draw_meta)
    render(w, d)
    return d.calls
  end

  local function do_snapshot()
    phase, phase_agent = "snapshot", 0
    return snapshot(w)
  end

  local function do_restore(t)
    phase, phase_agent = "restore", 0
    restore(w, t)
    collect()
  end

  local function do_scripted_action(i)
    phase, phase_agent = "scripted_action", i
    return scripted_action(w, i)
  end

  local function where() return phase, phase_agent end

  return do_reset, do_step, actions, obs_res, state_box, avail_res, io, do_render, do_snapshot, do_restore, where,
    do_scripted_action
end

-- The pure-Lua reference loop of `marl-sim bench worlds`: the same calls the driver makes, with
-- a fixed action pattern, so that the host's overhead is the difference of the two.
function host.pure_loop(w, agents, obs_sizes, state_size, n_actions, limit, steps)
  local reset, step, observe, state = w.reset, w.step, w.observe, w.state
  local outs, actions = {}, {}
  for i = 1, agents do
    local t = {}
    for k = 1, obs_sizes[i] do t[k] = 0 end
    outs[i] = t
    actions[i] = 1
  end
  local state_out = {}
  for k = 1, state_size do state_out[k] = 0 end
  local function collect()
    for i = 1, agents do observe(w, i, outs[i]) end
    if state then state(w, state_out) end
  end
  reset(w); collect()
  local t = 0
  for s = 1, steps do
    for i = 1, agents do actions[i] = (s + i) % n_actions + 1 end
    local _, terminated = step(w, actions)
    collect()
    t = t + 1
    if terminated or t >= limit then reset(w); collect(); t = 0 end
  end
end

return host
"""#
}
