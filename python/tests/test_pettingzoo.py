"""Acceptance 1: PettingZoo's own API and seed tests on every bundled world and on a world the
repository does not have (heterogeneous, mixed discrete/continuous, masked)."""
import numpy as np
import pytest

pettingzoo = pytest.importorskip("pettingzoo")
from pettingzoo.test import parallel_api_test, parallel_seed_test  # noqa: E402

import marlsim  # noqa: E402

from conftest import BUNDLED  # noqa: E402
from worlds import ODD_TEAM, write  # noqa: E402

VARIANTS = [(world, {}) for world in BUNDLED] + [
    ("envs/smac.lua", {"map": "2s3z"}), ("envs/spread.lua", {"preset": "mpe2", "actions": "box"}),
    ("envs/speaker_listener.lua", {"actions": "continuous"}),
]


def ids(variant):
    world, options = variant
    return world + "".join(f",{k}={v}" for k, v in options.items())


@pytest.mark.parametrize("variant", VARIANTS, ids=ids)
def test_parallel_api_and_seed(variant):
    world, options = variant
    parallel_api_test(marlsim.parallel_env(world, seed=3, **options), num_cycles=60)
    # PettingZoo's seed test samples actions without masks: unavailable ones become the first available.
    parallel_seed_test(lambda: marlsim.parallel_env(world, invalid_action="first_available", **options))


def test_a_users_odd_team(tmp_path):
    world = write(tmp_path, "odd_team.lua", ODD_TEAM)
    env = marlsim.parallel_env(world, seed=5)
    parallel_api_test(env, num_cycles=40)
    parallel_seed_test(lambda: marlsim.parallel_env(world, invalid_action="first_available"))
    obs, infos = env.reset(seed=1)
    assert set(obs) == {"agent_0", "agent_1", "agent_2"}
    assert obs["agent_0"]["observation"].shape == (1,) and list(obs["agent_0"]["action_mask"]) == [1, 0] * 5 + [1]
    assert obs["agent_1"].shape == (7,)  # a continuous agent in a masked world: plain observation
    assert env.action_space("agent_1").shape == (3,) and list(env.action_space("agent_1").low) == [-2, 0, -0.5]
    assert env.state().shape == (5,)
    _, rewards, terms, truncs, infos = env.step({"agent_0": 10, "agent_1": np.array([5.0, -1.0, 0.2]), "agent_2": 1})
    assert len(set(rewards.values())) == 1 and infos["agent_0"]["moved"] == 2.0  # clipped into [-2, 2]
    image = marlsim.parallel_env(world, seed=5, render_mode="rgb_array")
    image.reset()
    picture = image.render()
    assert picture.shape == (400, 400, 3) and (picture != 255).any()


def test_unavailable_action_raises_by_default(tmp_path):
    env = marlsim.parallel_env(write(tmp_path, "odd_team.lua", ODD_TEAM), seed=5)
    env.reset()
    with pytest.raises(marlsim.MarlSimError) as caught:
        env.step({"agent_0": 1, "agent_1": np.zeros(3), "agent_2": 0})
    assert "unavailable" in caught.value.message and caught.value.rule and caught.value.file.endswith("odd_team.lua")
