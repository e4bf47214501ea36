-- An option whose default is not among the choices it declares.
-- expect line: 7
-- expect rule: an option is declared as name
-- expect message: options.mode: the default fast is not among its choices slow, exact
return {
  options = {
    mode = {default = "fast", choices = {"slow", "exact"}, help = "how it runs"},
  },
  build = function(options) return {} end,
}
