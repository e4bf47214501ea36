"""A team trained by `marl-sim`, acting from Python (`marlsim.load_policy`)."""
from __future__ import annotations

import json
import os

import numpy as np

from ._library import OwnedHandle, check, checked, library
from .world import Spec


class Policy(OwnedHandle):
    """The learner of a run folder with its model.safetensors, as `marl-sim eval` loads it.

    Call `reset(instances)` when new episodes start (recurrent agents forget their memory), then
    `act` with the worlds' arrays each step. Acting greedily on the same worlds in the same order
    as `marl-sim eval` reproduces its actions, hence its returns.

    Relative world paths in the run's config.json are read from the working folder, as the command
    reads them: run from the folder you trained in.
    """

    _close_function = "marlsim_policy_close"

    def __init__(self, run_folder, memory_mib: int = 0, time_budget_ms: int = 0):
        lib = self._lib = library()
        self._handle = checked(lib.marlsim_policy_open(os.fsencode(os.fspath(run_folder)), int(memory_mib), int(time_budget_ms)))
        fields = json.loads(lib.marlsim_policy_spec(self._handle))
        self.spec = Spec(fields)
        self.learner: str = fields["learner"]
        self.world: str = fields["world"]
        self.options = dict(option.split("=", 1) for option in fields["options"])
        self.instances = 0

    def reset(self, instances: int = 1):
        """New episodes start in `instances` worlds."""
        check(self._lib.marlsim_policy_begin(self._handle, int(instances)))
        self.instances = int(instances)

    def act(self, observations, state=None, available=None, stochastic: bool = False):
        """Actions for E worlds from their arrays: observations [E, total observation size] (or one
        world's [total observation size]), state [E, state size], available [E, total available size].
        Returns (ids [E, agents] int32, continuous [E, total continuous size] float64), or one
        world's rows when given one world's arrays. Begins episodes first when `reset` was not
        called for E worlds."""
        s = self.spec
        observations = np.asarray(observations, dtype=np.float32)
        single = observations.ndim == 1
        observations = np.ascontiguousarray(observations.reshape(-1, s.total_observation_size))
        count = observations.shape[0]
        if count != self.instances:
            self.reset(count)
        state = np.zeros((count, s.state_size), np.float32) if state is None else np.ascontiguousarray(
            np.asarray(state, dtype=np.float32).reshape(count, s.state_size))
        available = np.ones((count, s.total_available_size), np.uint8) if available is None else np.ascontiguousarray(
            np.asarray(available, dtype=np.uint8).reshape(count, s.total_available_size))
        ids = np.zeros((count, s.agents), dtype=np.int32)
        continuous = np.zeros((count, max(1, s.total_continuous_size)), dtype=np.float64)
        check(self._lib.marlsim_policy_act(self._handle, count, observations.ctypes.data, state.ctypes.data,
                                           available.ctypes.data, 1 if stochastic else 0, ids.ctypes.data, continuous.ctypes.data))
        continuous = continuous[:, : s.total_continuous_size]
        return (ids[0], continuous[0]) if single else (ids, continuous)

    def __call__(self, observations, state=None, stochastic: bool = False):
        """PettingZoo form: a dict of agent observations (arrays, or {"observation", "action_mask"})
        in, a dict of actions out, for one world."""
        s = self.spec
        agents = [f"agent_{i}" for i in range(s.agents)]
        flat = np.zeros(s.total_observation_size, dtype=np.float32)
        available = np.ones(s.total_available_size, dtype=np.uint8)
        for i, agent in enumerate(agents):
            entry = observations.get(agent)
            if entry is None:
                continue
            if isinstance(entry, dict):
                mask = entry.get("action_mask")
                if mask is not None and s.discrete_sizes[i]:
                    available[s.available_offsets[i]: s.available_offsets[i] + s.discrete_sizes[i]] = mask
                entry = entry["observation"]
            flat[s.observation_offsets[i]: s.observation_offsets[i] + s.observation_sizes[i]] = entry
        ids, continuous = self.act(flat, state, available, stochastic)
        actions = {}
        for i, agent in enumerate(agents):
            if agent not in observations:
                continue
            if s.action_spaces[i]["kind"] == "discrete":
                actions[agent] = int(ids[i])
            else:
                start = s.continuous_offsets[i]
                actions[agent] = continuous[start: start + s.continuous_sizes[i]].copy()
        return actions


def load_policy(run_folder, **limits) -> Policy:
    """`marlsim.load_policy("runs/…")`: a trained team as a callable over observations."""
    return Policy(run_folder, **limits)
