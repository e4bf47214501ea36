-- expect line: 4
-- expect rule: worlds run in a sandbox
-- expect message: is not a module name
local secrets = require("../../../etc/passwd")
return {}
