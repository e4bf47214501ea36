"""marl-sim's Lua worlds and trained teams in Python, over libmarlsim (the command's own host).

- `World`, `VectorWorld`: one instance, or many stepped in one call, with numpy arrays.
- `parallel_env(file, seed=..., **options)`: a PettingZoo ParallelEnv (the `pettingzoo` extra).
- `load_policy(run_folder)`: a team trained by `marl-sim`, acting on observations.
"""
from ._library import MarlSimError
from .policy import Policy, load_policy
from .world import Spec, VectorWorld, World

__all__ = ["MarlSimError", "World", "VectorWorld", "Spec", "Policy", "load_policy", "parallel_env"]
__version__ = "0.1.0"


def parallel_env(file, **kwargs):
    """A marl-sim world as a PettingZoo ParallelEnv: `parallel_env("envs/smac.lua", map="3m", seed=1)`."""
    from .pettingzoo_env import parallel_env as make
    return make(file, **kwargs)
