-- expect line: 4
-- expect rule: worlds run in a sandbox
-- expect message: module 'socket' is not in the world's folder or envs/lib/
local socket = require("socket")
return {}
