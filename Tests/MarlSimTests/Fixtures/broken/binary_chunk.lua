-- expect line: 5
-- expect rule: worlds run in a sandbox
-- expect message: text chunks only
local f = function() return 1 end
local g = load(string.dump(f), "dumped", "b")
return {}
