local boom = {}
function boom.explode(x)
  return x.field.subfield
end
return boom
