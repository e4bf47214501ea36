"""VectorWorld against single instances, and acceptance 5: load_policy reproduces `marl-sim
eval`'s greedy returns (3x3 game, spread, and a world the repository does not have)."""
import json

import numpy as np
import pytest

import marlsim

from conftest import marl_sim
from worlds import ODD_TEAM, write


def test_vector_world_equals_its_instances_and_resets_in_the_same_step(tmp_path):
    world_file = write(tmp_path, "odd_team.lua", ODD_TEAM)
    n = 5
    for threads in (1, 2):
        batch = marlsim.VectorWorld(world_file, n, seed=9, threads=threads)
        singles = [marlsim.World(world_file, seed=9, instance=k) for k in range(n)]
        observations = batch.reset()
        for w in singles:
            w.reset()
        assert np.array_equal(observations, np.stack([w.observations for w in singles]))
        rng = np.random.default_rng(0)
        ended = 0
        for _ in range(30):
            ids = np.tile(np.array([2 * rng.integers(6), 0, rng.integers(2)], dtype=np.int32), (n, 1))
            values = rng.uniform(-1, 1, size=(n, 3))
            observations, rewards, terminated, truncated = batch.step(ids, values)
            for k, w in enumerate(singles):
                reward, term, trunc = w.step(ids[k], values[k])
                assert rewards[k] == reward and terminated[k] == term and truncated[k] == trunc
                if term or trunc:
                    ended += 1
                    assert np.array_equal(batch.final_observations[k], w.observations)
                    w.reset()
                assert np.array_equal(observations[k], w.observations)
                assert np.array_equal(batch.state[k], w.state) and np.array_equal(batch.available[k], w.available)
        assert ended == 2 * n  # episodes of 13 steps: two ended in 30 steps


def train(tmp_path, world, learner, steps, *extra):
    folder = tmp_path / f"{learner}-run"
    marl_sim(world, "--algo", learner, "--steps", steps, "--out", folder, "--set", "replay_episodes=0", *extra)
    return folder


def eval_returns(folder, episodes, seed):
    result = json.loads(marl_sim("eval", folder, "--episodes", episodes, "--seed", seed, "--json").stdout)
    return result["returns"]


def python_returns(folder, episodes, seed):
    """Plays `marl-sim eval`'s episodes: min(episodes, envs) instances of the run's world seeded
    from `seed`, all starting together, the policy acting on all of them every step."""
    policy = marlsim.load_policy(folder)
    config = json.loads((folder / "config.json").read_text())
    envs = int(config["settings"]["envs"])
    count = max(1, min(episodes, envs))
    worlds = [marlsim.World(policy.world, seed=seed, instance=k, **policy.options) for k in range(count)]
    s = policy.spec
    returns = []
    while len(returns) < episodes:
        policy.reset(count)
        for w in worlds:
            w.reset()
        totals = [0.0] * count
        running = [True] * count
        while any(running):
            observations = np.stack([w.observations for w in worlds])
            state = np.stack([w.state for w in worlds]).reshape(count, s.state_size)
            available = np.stack([w.available for w in worlds]).reshape(count, s.total_available_size)
            ids, continuous = policy.act(observations, state, available)
            for k, w in enumerate(worlds):
                if running[k]:
                    reward, terminated, truncated = w.step(ids[k], continuous[k])
                    totals[k] += reward
                    running[k] = not (terminated or truncated)
        returns += totals[: episodes - len(returns)]
    return returns


@pytest.mark.parametrize("world,learner,steps,extra", [
    ("envs/matrix/nonmono.lua", "qmix", 3000, ()),
    ("envs/spread.lua", "hasac", 4000, ()),
    ("envs/spread.lua", "vdn", 3000, ("--env", "agents=2")),
])
def test_load_policy_reproduces_eval(tmp_path, world, learner, steps, extra):
    folder = train(tmp_path, world, learner, steps, *extra)
    for seed in (1, 7):
        assert python_returns(folder, 6, seed) == eval_returns(folder, 6, seed)


def test_load_policy_on_a_users_mixed_team(tmp_path):
    world = write(tmp_path, "odd_team.lua", ODD_TEAM)
    folder = train(tmp_path, world, "hasac", 2000)
    assert python_returns(folder, 5, 3) == eval_returns(folder, 5, 3)
    policy = marlsim.load_policy(folder)
    env = marlsim.parallel_env(world, seed=3)
    observations, _ = env.reset()
    policy.reset(1)
    actions = policy(observations, state=env.state())
    assert set(actions) == set(env.possible_agents) and actions["agent_0"] % 2 == 0
    assert env.action_space("agent_1").contains(actions["agent_1"])
