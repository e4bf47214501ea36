"""Acceptance 2: the same seed and actions give exactly what `marl-sim trace` prints, on every
bundled world (3 seeds) and on a world the repository does not have."""
import json

import numpy as np
import pytest

import marlsim

from conftest import BUNDLED, marl_sim
from worlds import ODD_TEAM, write

STEPS = 40


def random_actions(world, rng):
    """Uniformly random available ids (0-based) and continuous values a little past the bounds."""
    s = world.spec
    ids = np.zeros(s.agents, dtype=np.int32)
    values = []
    for i, space in enumerate(s.action_spaces):
        if space["kind"] == "discrete":
            row = world.available[s.available_offsets[i]: s.available_offsets[i] + space["n"]]
            ids[i] = rng.choice(np.flatnonzero(row))
        else:
            low, high = np.array(space["low"]), np.array(space["high"])
            values.extend(rng.uniform(low - 0.2 * (high - low), high + 0.2 * (high - low)).tolist())
    return ids, values


def compare(world_file, seed, tmp_path, options=()):
    world = marlsim.World(world_file, seed=seed, **dict(options))
    s = world.spec
    rng = np.random.default_rng(seed)
    world.reset()
    ours = [(world.observations.tolist(), world.state.tolist(), world.available.tolist(), None)]
    played = []
    while world.running and len(played) < STEPS:
        ids, values = random_actions(world, rng)
        reward, terminated, truncated = world.step(ids, values)
        ours.append((world.observations.tolist(), world.state.tolist(), world.available.tolist(),
                     (reward, terminated, truncated, world.info())))
        entry, at = [], 0
        for i, space in enumerate(s.action_spaces):
            if space["kind"] == "discrete":
                entry.append(int(ids[i]) + 1)
            else:
                entry.append(values[at: at + len(space["low"])])
                at += len(space["low"])
        played.append(entry)
    actions = tmp_path / f"actions-{seed}.json"
    actions.write_text(json.dumps(played))
    arguments = ["trace", world_file, "--seed", seed, "--actions", actions]
    for key, value in options:
        arguments += ["--env", f"{key}={value}"]
    lines = [json.loads(line) for line in marl_sim(*arguments).stdout.splitlines()]
    assert len(lines) == len(ours), f"{world_file} seed {seed}: trace has {len(lines)} lines, Python {len(ours)}"
    for t, (line, (observations, state, available, outcome)) in enumerate(zip(lines, ours)):
        where = f"{world_file} seed {seed} t {t}"
        assert [x for agent in line["observations"] for x in agent] == observations, where
        assert line["state"] == state, where
        flags = [int(x) for agent in line["available"] if agent is not None for x in agent]
        assert flags == available, where
        if outcome is not None:
            reward, terminated, truncated, info = outcome
            assert line["reward"] == reward and line["terminated"] == terminated and line["truncated"] == truncated, where
            assert line["info"] == info, where
    world.close()


@pytest.mark.parametrize("world_file", BUNDLED)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_bundled_world_matches_trace(world_file, seed, tmp_path):
    compare(world_file, seed, tmp_path)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_variants_match_trace(seed, tmp_path):
    compare("envs/smac.lua", seed, tmp_path, [("map", "MMM2"), ("reward", "sparse")])
    compare("envs/spread.lua", seed, tmp_path, [("preset", "mpe2"), ("actions", "continuous")])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_users_world_matches_trace(seed, tmp_path):
    compare(write(tmp_path, "odd_team.lua", ODD_TEAM), seed, tmp_path)
