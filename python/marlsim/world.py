"""One world instance (`World`) and many stepped in one call (`VectorWorld`), arrays in and out."""
from __future__ import annotations

import json
import math
import os
import numpy as np

from ._library import OwnedHandle, checked, check, library, option_strings

_U64 = 2 ** 64


def _seed(seed) -> int:
    """A seed as the library takes it: 0..2**64-1 (None: 0)."""
    seed = 0 if seed is None else int(seed)
    if not 0 <= seed < _U64:
        raise ValueError(f"seed {seed} is outside 0..2**64-1")
    return seed


def _view(pointer, size: int, dtype) -> np.ndarray:
    """A numpy view of a buffer libmarlsim owns (valid while its handle is open)."""
    if size == 0:
        return np.zeros(0, dtype=dtype)
    return np.ctypeslib.as_array(pointer, shape=(size,)).view(dtype)


class Spec:
    """What a world declares (marlsim_world_spec), with per-agent offsets into the flat arrays."""

    def __init__(self, fields: dict):
        self.fields = fields
        self.name: str = fields["name"]
        self.file: str = fields["file"]
        self.agents: int = fields["agents"]
        self.observation_sizes: list = fields["observation_sizes"]
        self.state_size: int = fields["state_size"]
        self.action_spaces: list = fields["action_spaces"]
        self.episode_limit: int = fields["episode_limit"]
        self.has_available: bool = fields["has_available"]
        self.has_render: bool = fields["has_render"]
        self.has_snapshot: bool = fields["has_snapshot"]
        self.view = fields.get("view")
        self.total_observation_size: int = fields["total_observation_size"]
        self.total_available_size: int = fields["total_available_size"]
        self.total_continuous_size: int = fields["total_continuous_size"]
        self.observation_offsets = np.cumsum([0, *self.observation_sizes])[:-1].tolist()
        self.discrete_sizes = [s["n"] if s["kind"] == "discrete" else 0 for s in self.action_spaces]
        self.continuous_sizes = [len(s["low"]) if s["kind"] == "continuous" else 0 for s in self.action_spaces]
        self.available_offsets = np.cumsum([0, *self.discrete_sizes])[:-1].tolist()
        self.continuous_offsets = np.cumsum([0, *self.continuous_sizes])[:-1].tolist()

    def __getitem__(self, key):
        return self.fields[key]

    def __repr__(self):
        return f"Spec({self.name!r}, agents={self.agents}, observation_sizes={self.observation_sizes})"


class World(OwnedHandle):
    """One instance of a Lua world, seeded as training's instance `instance` of seed `seed`.

    `options` are the world's `--env` options (`World("envs/smac.lua", map="3m")`). After `reset`
    and `step`, `observations` (all agents' side by side), `state` and `available` hold the
    world's values; they are views that the next call overwrites (copy them to keep them).
    """

    _close_function = "marlsim_world_close"

    def __init__(self, file, seed: int = 0, instance: int = 0, memory_mib: int = 0, time_budget_ms: int = 0, **options):
        lib = self._lib = library()
        names, count = option_strings(options)
        self._handle = checked(lib.marlsim_world_open(os.fsencode(os.fspath(file)), names, count, _seed(seed), int(instance),
                                                      int(memory_mib), int(time_budget_ms)))
        self.spec = Spec(json.loads(lib.marlsim_world_spec(self._handle)))
        s = self.spec
        self.observations = _view(lib.marlsim_world_observations(self._handle), s.total_observation_size, np.float32)
        self.state = _view(lib.marlsim_world_state(self._handle), s.state_size, np.float32)
        self.available = _view(lib.marlsim_world_available(self._handle), s.total_available_size, np.uint8)
        self._discrete = np.zeros(s.agents, dtype=np.int32)
        self._continuous = np.zeros(max(1, s.total_continuous_size), dtype=np.float64)
        # reward, terminated, truncated, info fields so far; numpy's tolist() reads it 3x faster than a ctypes array
        self._outcome = np.zeros(4, dtype=np.float64)
        self._step_arguments = (self._handle, self._discrete.ctypes.data, self._continuous.ctypes.data, self._outcome.ctypes.data)
        self._info_keys: list = []
        self._info_values = np.zeros(8, dtype=np.float64)

    def reseed(self, seed: int, instance: int = 0):
        """Seeds math.random as a new instance with `seed` and `instance` would be."""
        check(self._lib.marlsim_world_reseed(self._handle, _seed(seed), int(instance)))

    def reset(self):
        check(self._lib.marlsim_world_reset(self._handle))

    def step(self, discrete=None, continuous=None):
        """One step with one 0-based action id per agent (continuous agents' entries ignored) and the
        continuous agents' values side by side; returns (reward, terminated, truncated)."""
        if discrete is not None:
            self._discrete[:] = discrete
        if continuous is not None:
            self._continuous[: self.spec.total_continuous_size] = continuous
        return self.step_prepared()

    def step_prepared(self):
        """`step` with the actions already written into `actions` / `continuous_actions`."""
        if self._lib.marlsim_world_step(*self._step_arguments) != 0:
            check(-1)
        reward, terminated, truncated, _ = self._outcome.tolist()
        return reward, terminated != 0, truncated != 0

    def step_function(self):
        """(function, arguments, outcome): `function(*arguments)` is `step_prepared` without the
        Python call around it, returning 0 or -1; `outcome` (numpy) then holds reward, terminated,
        truncated and the number of info fields. For hot loops (the PettingZoo env)."""
        return self._lib.marlsim_world_step, self._step_arguments, self._outcome

    @property
    def actions(self) -> np.ndarray:
        """The id buffer `step_prepared` reads (one int32 per agent)."""
        return self._discrete

    @property
    def continuous_actions(self) -> np.ndarray:
        return self._continuous[: self.spec.total_continuous_size]

    @property
    def steps(self) -> int:
        return self._lib.marlsim_world_steps(self._handle)

    @property
    def running(self) -> bool:
        return self._lib.marlsim_world_running(self._handle) == 1

    def observation(self, agent: int) -> np.ndarray:
        """Agent `agent`'s observation (0-based), a view."""
        start = self.spec.observation_offsets[agent]
        return self.observations[start: start + self.spec.observation_sizes[agent]]

    @property
    def has_info(self) -> bool:
        """Whether the world has reported any info field (as of the last step)."""
        return self._outcome[3] > 0

    def info(self) -> dict:
        """The info fields reported so far in this episode, each with its last value."""
        count = self._lib.marlsim_world_info(self._handle, self._info_values.ctypes.data, len(self._info_values))
        if count < 0:
            check(-1)
        if count == 0:
            return {}
        if count > len(self._info_values):
            self._info_values = np.zeros(2 * count, dtype=np.float64)
            self._lib.marlsim_world_info(self._handle, self._info_values.ctypes.data, len(self._info_values))
        while len(self._info_keys) < count:
            self._info_keys.append(checked(self._lib.marlsim_world_info_key(self._handle, len(self._info_keys))).decode("utf-8"))
        return {k: float(v) for k, v in zip(self._info_keys, self._info_values[:count].tolist()) if not math.isnan(v)}

    def snapshot(self):
        """The world's snapshot() as plain Python data."""
        return json.loads(checked(self._lib.marlsim_world_snapshot(self._handle)))

    def restore(self, snapshot):
        check(self._lib.marlsim_world_restore(self._handle, json.dumps(snapshot).encode("utf-8")))

    def render(self) -> list:
        """The world's draw calls: dicts with kind, values, color and text."""
        return json.loads(checked(self._lib.marlsim_world_render(self._handle)))



class VectorWorld(OwnedHandle):
    """`n` instances of one world stepped in one call: actions as arrays in, arrays out.

    Instance k is seeded from `seed` and k, as training's parallel worlds are, and `threads` > 1
    steps them on threads without changing the results. An instance whose episode ends is reset in
    the same `step` (Gymnasium's same-step autoreset): its returned observations are the new
    episode's first, and `final_observations` holds those it ended on.
    """

    _close_function = "marlsim_batch_close"

    def __init__(self, file, n: int, seed: int = 0, threads: int = 1, memory_mib: int = 0, time_budget_ms: int = 0, **options):
        lib = self._lib = library()
        names, count = option_strings(options)
        self._handle = checked(lib.marlsim_batch_open(os.fsencode(os.fspath(file)), names, count, _seed(seed), int(n), int(threads),
                                                      int(memory_mib), int(time_budget_ms)))
        self.spec = Spec(json.loads(lib.marlsim_batch_spec(self._handle)))
        self.n = n
        s, h = self.spec, self._handle
        self._observations = _view(lib.marlsim_batch_observations(h), n * s.total_observation_size, np.float32).reshape(n, -1)
        self._state = _view(lib.marlsim_batch_state(h), n * s.state_size, np.float32).reshape(n, -1)
        self._available = _view(lib.marlsim_batch_available(h), n * s.total_available_size, np.uint8).reshape(n, -1)
        self._final_observations = _view(lib.marlsim_batch_final_observations(h), n * s.total_observation_size, np.float32).reshape(n, -1)
        self._final_state = _view(lib.marlsim_batch_final_state(h), n * s.state_size, np.float32).reshape(n, -1)
        self._rewards = _view(lib.marlsim_batch_rewards(h), n, np.float64)
        self._terminated = _view(lib.marlsim_batch_terminated(h), n, np.uint8)
        self._truncated = _view(lib.marlsim_batch_truncated(h), n, np.uint8)
        self._discrete = np.zeros((n, s.agents), dtype=np.int32)
        self._continuous = np.zeros((n, max(1, s.total_continuous_size)), dtype=np.float64)

    def reset(self) -> np.ndarray:
        """Starts an episode in every instance; returns the observations [n, total observation size]."""
        check(self._lib.marlsim_batch_reset(self._handle))
        return self._observations.copy()

    def step(self, actions, continuous=None):
        """`actions` [n, agents] 0-based ids (continuous agents' columns ignored), `continuous`
        [n, total continuous size]; returns (observations, rewards, terminated, truncated), copies."""
        self._discrete[...] = actions
        if continuous is not None:
            self._continuous[:, : self.spec.total_continuous_size] = continuous
        if self._lib.marlsim_batch_step(self._handle, self._discrete.ctypes.data, self._continuous.ctypes.data) != 0:
            check(-1)
        return (self._observations.copy(), self._rewards.copy(), self._terminated.astype(bool), self._truncated.astype(bool))

    @property
    def observations(self) -> np.ndarray:
        return self._observations.copy()

    @property
    def state(self) -> np.ndarray:
        return self._state.copy()

    @property
    def available(self) -> np.ndarray:
        """[n, total available size] 1/0 flags of every discrete agent's actions side by side."""
        return self._available.copy()

    @property
    def final_observations(self) -> np.ndarray:
        """The observations each finished instance's episode ended on (rows where the last step ended one)."""
        return self._final_observations.copy()

    @property
    def final_state(self) -> np.ndarray:
        return self._final_state.copy()
