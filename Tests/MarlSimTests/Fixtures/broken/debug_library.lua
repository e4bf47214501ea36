-- expect line: 4
-- expect rule: worlds run in a sandbox
-- expect message: global 'debug'
local hook = debug.sethook
return {}
