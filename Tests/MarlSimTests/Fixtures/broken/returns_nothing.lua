-- expect line: none
-- expect rule: a world file returns the world table
-- expect message: the file returned nothing
local world = {agents = 1}
