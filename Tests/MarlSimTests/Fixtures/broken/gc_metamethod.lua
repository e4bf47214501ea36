-- expect line: 4
-- expect rule: worlds run in a sandbox
-- expect message: __gc metamethods are not allowed
local sentinel = setmetatable({}, {__gc = function() while true do end end})
return {}
