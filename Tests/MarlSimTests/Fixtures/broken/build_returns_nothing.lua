-- A world with declared options whose build function forgets to return the world.
-- expect line: none
-- expect rule: gets the world table from build
-- expect message: build returned nothing instead of the world table
return {
  options = {size = {default = 3, help = "cells"}},
  build = function(options)
    local world = {agents = 1, actions = {discrete = 2}, observation_size = options.size, episode_limit = 4}
  end,
}
