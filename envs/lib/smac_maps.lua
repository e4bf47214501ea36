-- The SMAC maps of docs/worlds.md §7.1 as data: a new map is one entry.
--
-- Each map: limit (episode_limit), races {allies, enemies} ("T", "P" or "Z"; Protoss sides get a
-- shield feature), family (which SMAC unit-type one-hot it uses, see families), terrain (a name
-- of terrains), groups (placed by combat.place_group in listed order: side 1 allies, side 2
-- enemies, x, y, units = list of {type, count}) and attack_point (the enemies' attack-move goal).
local maps = {}

-- Pathable cells as inclusive boxes {x0, y0, x1, y1} on the 32 x 32 grid (SMAClite's presets).
maps.terrains = {
  -- the walkable band y in [8, 24)
  SIMPLE = {{0, 8, 31, 23}},
  -- the square [3, 29)^2 plus the outer ring
  ALL_GREEN = {{3, 3, 28, 28}, {0, 0, 31, 0}, {0, 31, 31, 31}, {0, 1, 0, 30}, {31, 1, 31, 30}},
  -- SMAClite's pentagon.slt for 2s_vs_1sc: a 14-wide body, its top stepping in to a 4-wide tip
  PENTAGON = {{8, 7, 19, 7}, {7, 8, 20, 19}, {8, 20, 19, 20}, {9, 21, 18, 21}, {10, 22, 17, 22},
              {11, 23, 16, 23}, {12, 24, 15, 24}},
}

-- SMAC's unit-type one-hot (section 7.5): allies use the order of `allies`, which is also the
-- order SMAC sorts agent ids by; enemies use SC2's unit ids (`enemies`), which for stalkers and
-- zealots is the reverse of the allies' order (the SMAC quirk; the world's align_enemy_types
-- option uses the allies' order instead). bits = 0: no one-hot.
maps.families = {
  marines = {bits = 0, allies = {"marine"}},
  stalkers = {bits = 0, allies = {"stalker"}},
  stalkers_and_zealots = {bits = 2, allies = {"stalker", "zealot"}, enemies = {"zealot", "stalker"}},
  colossi_stalkers_zealots = {bits = 3, allies = {"colossus", "stalker", "zealot"}, enemies = {"colossus", "stalker", "zealot"}},
  MMM = {bits = 3, allies = {"marauder", "marine", "medivac"}, enemies = {"marauder", "marine", "medivac"}},
}

-- The usual layout: allies around (9, 16), enemies around (23, 16) attack-moving to (9, 16).
local function versus(limit, family, races, allies, enemies, terrain)
  return {
    limit = limit, family = family, races = races, terrain = terrain or "SIMPLE",
    groups = {{side = 1, x = 9, y = 16, units = allies}, {side = 2, x = 23, y = 16, units = enemies}},
    attack_point = {9, 16},
  }
end

maps.list = {
  ["3m"] = versus(60, "marines", {"T", "T"}, {{"marine", 3}}, {{"marine", 3}}),
  ["8m"] = versus(120, "marines", {"T", "T"}, {{"marine", 8}}, {{"marine", 8}}),
  ["5m_vs_6m"] = versus(70, "marines", {"T", "T"}, {{"marine", 5}}, {{"marine", 6}}),
  ["8m_vs_9m"] = versus(120, "marines", {"T", "T"}, {{"marine", 8}}, {{"marine", 9}}),
  ["2s3z"] = versus(120, "stalkers_and_zealots", {"P", "P"}, {{"stalker", 2}, {"zealot", 3}}, {{"stalker", 2}, {"zealot", 3}}),
  ["3s5z"] = versus(150, "stalkers_and_zealots", {"P", "P"}, {{"stalker", 3}, {"zealot", 5}}, {{"stalker", 3}, {"zealot", 5}}),
  ["1c3s5z"] = versus(180, "colossi_stalkers_zealots", {"P", "P"},
                      {{"colossus", 1}, {"stalker", 3}, {"zealot", 5}}, {{"colossus", 1}, {"stalker", 3}, {"zealot", 5}}),
  -- [RECON] SMAClite has no 3s_vs_3z; its sibling 3s_vs_5z's open ALL_GREEN arena (kiting space)
  ["3s_vs_3z"] = versus(150, "stalkers", {"P", "P"}, {{"stalker", 3}}, {{"zealot", 3}}, "ALL_GREEN"),
  ["3s_vs_5z"] = versus(250, "stalkers", {"P", "P"}, {{"stalker", 3}}, {{"zealot", 5}}, "ALL_GREEN"),
  -- SMAClite's unit order (Medivac first) places the groups; SMAC's sorted agent ids reorder the allies
  ["MMM2"] = versus(180, "MMM", {"T", "T"}, {{"medivac", 1}, {"marine", 7}, {"marauder", 2}},
                    {{"medivac", 1}, {"marine", 8}, {"marauder", 3}}),
  ["2s_vs_1sc"] = {
    limit = 300, family = "stalkers", races = {"P", "Z"}, terrain = "PENTAGON",
    groups = {
      {side = 2, x = 13.92, y = 20.04, units = {{"spine_crawler", 1}}},
      {side = 1, x = 11.12, y = 10.34, units = {{"stalker", 1}}},
      {side = 1, x = 16.98, y = 10.37, units = {{"stalker", 1}}},
    },
    attack_point = {13.92, 20.04},
  },
}

-- Map names in a stable order (for messages and listings).
maps.names = {"3m", "8m", "5m_vs_6m", "8m_vs_9m", "2s3z", "3s5z", "1c3s5z", "3s_vs_3z", "3s_vs_5z", "MMM2", "2s_vs_1sc"}

return maps
