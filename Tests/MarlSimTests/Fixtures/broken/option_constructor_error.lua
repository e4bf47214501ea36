-- expect line: 6
-- expect rule: the option constructor
-- expect message: size must be positive
return function(options)
  local size = options.size or -1
  if size <= 0 then error("size must be positive") end
  return {}
end
