-- expect line: 6
-- expect rule: valid Lua 5.4
-- expect message: unexpected symbol
return {
  agents = 2,
  actions = {discrete = = 3},
}
