"""A marl-sim world as a PettingZoo ParallelEnv (needs the `pettingzoo` extra)."""
from __future__ import annotations

import functools

import numpy as np

try:
    from gymnasium import spaces
    from pettingzoo import ParallelEnv as _ParallelBase
except ImportError as error:  # pragma: no cover - exercised only without the extra
    raise ImportError("marlsim.parallel_env needs pettingzoo and gymnasium: pip install './python[pettingzoo]'") from error

from ._library import failure
from .render import rasterize
from .world import World

INVALID_ACTIONS = ("raise", "first_available")


class MarlSimParallelEnv(_ParallelBase):
    """A cooperative marl-sim world: every agent gets the team reward, and the episode ends for all
    agents at once. Worlds that mark available actions give dict observations
    {"observation", "action_mask"} (PettingZoo's form for masked actions); the mask is also in
    each agent's info. `state()` is the world's state.

    `invalid_action`: "raise" (the default) raises the world's error for an unavailable action, as
    the command does; "first_available" plays the agent's first available action instead, for
    callers that sample without masks.
    """

    metadata = {"render_modes": ["rgb_array"], "is_parallelizable": True, "render_fps": 10}

    def __init__(self, file, seed: int = 0, render_mode=None, invalid_action: str = "raise", render_size: int = 400, **options):
        if render_mode not in (None, "rgb_array"):
            raise ValueError(f"render_mode {render_mode!r} is not supported; use None or 'rgb_array'")
        if invalid_action not in INVALID_ACTIONS:
            raise ValueError(f"invalid_action {invalid_action!r} must be one of {INVALID_ACTIONS}")
        self.world = World(file, seed=seed, **options)
        spec = self.spec = self.world.spec
        self.render_mode = render_mode
        self.render_size = render_size
        self.invalid_action = invalid_action
        self.metadata = dict(self.metadata, name=spec.name)
        self.possible_agents = [f"agent_{i}" for i in range(spec.agents)]
        self.agents = []
        self._masked = spec.has_available
        self._observation_spaces = {}
        self._action_spaces = {}
        self._agent_slices = []
        for i, agent in enumerate(self.possible_agents):
            size = spec.observation_sizes[i]
            box = spaces.Box(-np.inf, np.inf, shape=(size,), dtype=np.float32)
            space = spec.action_spaces[i]
            if space["kind"] == "discrete":
                action = spaces.Discrete(space["n"])
            else:
                action = spaces.Box(np.array(space["low"], dtype=np.float64), np.array(space["high"], dtype=np.float64), dtype=np.float64)
            if self._masked and space["kind"] == "discrete":
                box = spaces.Dict({"observation": box, "action_mask": spaces.Box(0, 1, shape=(space["n"],), dtype=np.int8)})
            self._observation_spaces[agent] = box
            self._action_spaces[agent] = action
            start = spec.observation_offsets[i]
            self._agent_slices.append((agent, slice(start, start + size)))
        self._discrete_agents = [(i, a) for i, a in enumerate(self.possible_agents) if spec.action_spaces[i]["kind"] == "discrete"]
        self._continuous_agents = [(i, a, spec.continuous_offsets[i], spec.continuous_sizes[i])
                                   for i, a in enumerate(self.possible_agents) if spec.action_spaces[i]["kind"] == "continuous"]
        self._step, self._step_arguments, self._outcome = self.world.step_function()

    # PettingZoo asks for the same space object on every call.
    def observation_space(self, agent):
        return self._observation_spaces[agent]

    def action_space(self, agent):
        return self._action_spaces[agent]

    def reset(self, seed=None, options=None):
        """Starts an episode; `seed` reseeds the world as a new one opened with that seed."""
        if seed is not None:
            self.world.reseed(seed)
        self.world.reset()
        self.agents = self.possible_agents[:]
        return self._observed(None)

    def step(self, actions):
        world = self.world
        ids = world.actions
        for i, agent in self._discrete_agents:
            if agent in actions:
                ids[i] = actions[agent]
        if self._continuous_agents:
            values = world.continuous_actions
            for i, agent, offset, size in self._continuous_agents:
                if agent in actions:
                    values[offset: offset + size] = actions[agent]
        if self._masked and self.invalid_action == "first_available":
            self._replace_unavailable(ids)
        # World.step_prepared written out: this is the hot path of the speed comparison with MPE2.
        if self._step(*self._step_arguments) != 0:
            raise failure()
        reward, terminated, truncated, info_fields = self._outcome.tolist()
        terminated, truncated = terminated != 0, truncated != 0
        agents = self.agents
        observations, infos = self._observed(world.info() if info_fields else None)
        if terminated or truncated:
            self.agents = []
        return (observations, dict.fromkeys(agents, reward), dict.fromkeys(agents, terminated),
                dict.fromkeys(agents, truncated), infos)

    def _replace_unavailable(self, ids):
        available, spec = self.world.available, self.spec
        for i, _ in self._discrete_agents:
            start = spec.available_offsets[i]
            row = available[start: start + spec.discrete_sizes[i]]
            if not 0 <= ids[i] < len(row) or not row[ids[i]]:
                ids[i] = int(np.argmax(row))

    def _observed(self, info):
        """Every agent's observation and info (the world's info fields; the action mask where masked)."""
        flat = self.world.observations.copy()
        if not self._masked:
            observations = {agent: flat[where] for agent, where in self._agent_slices}
            infos = {agent: dict(info) for agent in self.possible_agents} if info else {agent: {} for agent in self.possible_agents}
            return observations, infos
        info = info or {}
        available, spec = self.world.available.astype(np.int8), self.spec
        observations, infos = {}, {}
        for i, (agent, where) in enumerate(self._agent_slices):
            size = spec.discrete_sizes[i]
            if size:
                mask = available[spec.available_offsets[i]: spec.available_offsets[i] + size]
                observations[agent] = {"observation": flat[where], "action_mask": mask}
                infos[agent] = dict(info, action_mask=mask)
            else:
                observations[agent] = flat[where]
                infos[agent] = dict(info)
        return observations, infos

    def state(self):
        return self.world.state.copy()

    def render(self):
        if self.render_mode is None:
            return None
        return rasterize(self.world.render(), self.spec.view, self.render_size)

    def close(self):
        self.world.close()


@functools.wraps(MarlSimParallelEnv)
def parallel_env(file, **kwargs) -> MarlSimParallelEnv:
    """`marlsim.parallel_env("envs/smac.lua", map="3m", seed=1)`: a world as a PettingZoo ParallelEnv."""
    return MarlSimParallelEnv(file, **kwargs)
