"""Parity of envs/spread.lua (preset mpe2), envs/tag.lua (good=agent) and envs/speaker_listener.lua
(discrete and continuous actions) with MPE2.

For each world and seed: take MPE2's initial state after reset(seed), inject it into the Lua world
through `marl-sim trace --restore`, play the same random actions for 25 steps in both (discrete ids,
or for continuous actions uniform values in [0, 1]), and compare positions and velocities (absolute
1e-9; for speaker_listener also the speaker's message), observations (equal as float32) and
rewards (1e-6). Prints one line per world and seed and the worst differences; exit 1 on a failure.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from mpe2 import simple_speaker_listener_v4, simple_spread_v3, simple_tag_v3
from pettingzoo.utils.env_logger import EnvLogger

# Continuous actions are float64 (so that MPE2 computes a3 - a2 in double precision, as marl-sim does);
# PettingZoo's clipping wrapper calls every one out of bounds because the spaces are float32, and
# clips nothing (the values lie in [0, 1]); its warnings are silenced.
EnvLogger.suppress_output()

MARLSIM = os.environ.get("MARLSIM", ".build/release/marl-sim")
STEPS = 25


def entities(raw):
    world = raw.world
    return [[float(e.state.p_pos[0]), float(e.state.p_pos[1]), float(e.state.p_vel[0]), float(e.state.p_vel[1])]
            for e in world.agents + world.landmarks]


# Per world: how to build MPE2's env, the marl-sim arguments, the state to restore beyond the
# entities, the team reward (and a second reward marl-sim reports in info, or None), and extra
# state to compare after each step.
def spread_case():
    env = simple_spread_v3.parallel_env(N=3, local_ratio=0.5, max_cycles=STEPS, continuous_actions=False)
    return env, ["envs/spread.lua", "--env", "preset=mpe2"], False


def tag_case():
    env = simple_tag_v3.parallel_env(num_good=1, num_adversaries=3, num_obstacles=2, max_cycles=STEPS, continuous_actions=False)
    return env, ["envs/tag.lua", "--env", "good=agent"], False


def speaker_listener_case(continuous):
    env = simple_speaker_listener_v4.parallel_env(max_cycles=STEPS, continuous_actions=continuous)
    kind = "continuous" if continuous else "discrete"
    return env, ["envs/speaker_listener.lua", "--env", f"actions={kind}"], continuous


CASES = {
    "spread": spread_case,
    "tag": tag_case,
    "speaker_listener discrete": lambda: speaker_listener_case(False),
    "speaker_listener continuous": lambda: speaker_listener_case(True),
}


def restore_state(kind, raw):
    state = {"entities": entities(raw)}
    if kind.startswith("speaker_listener"):
        world = raw.world
        state["goal"] = world.landmarks.index(world.agents[0].goal_b) + 1
        state["comm"] = [float(c) for c in world.agents[0].state.c]
    return state


def team_rewards(kind, rewards):
    """The team reward marl-sim's step returns, and a second one it reports in info (or None)."""
    if kind == "spread":
        return sum(float(r) for r in rewards.values()), None
    if kind == "tag":
        return float(rewards["adversary_0"]), float(rewards["agent_0"])
    # speaker_listener: both agents receive the same reward, which is the team reward
    assert rewards["speaker_0"] == rewards["listener_0"]
    return float(rewards["listener_0"]), None


def run(kind, seed):
    env, world_args, continuous = CASES[kind]()
    observations, _ = env.reset(seed=seed)
    raw = env.unwrapped
    names = list(env.possible_agents)
    start = restore_state(kind, raw)
    rng = np.random.default_rng(1000 + seed)
    if continuous:
        sizes = [env.action_space(n).shape[0] for n in names]
        actions = [[rng.random(size) for size in sizes] for _ in range(STEPS)]
        played = [[[float(v) for v in a] for a in row] for row in actions]
    else:
        sizes = [env.action_space(n).n for n in names]
        actions = [[int(rng.integers(size)) for size in sizes] for _ in range(STEPS)]
        played = [[a + 1 for a in row] for row in actions]

    expected = []
    for t in range(STEPS):
        observations, rewards, _, _, _ = env.step({name: actions[t][i] for i, name in enumerate(names)})
        team, extra = team_rewards(kind, rewards)
        expected.append((restore_state(kind, raw), [np.asarray(observations[n], dtype=np.float32) for n in names], team, extra))

    with tempfile.TemporaryDirectory() as scratch:
        restore = os.path.join(scratch, "restore.json")
        plays = os.path.join(scratch, "actions.json")
        with open(restore, "w") as f:
            json.dump(start, f)
        with open(plays, "w") as f:
            json.dump(played, f)
        out = subprocess.run([MARLSIM, "trace", *world_args, "--restore", restore, "--actions", plays, "--seed", str(seed)],
                             capture_output=True, text=True, check=True).stdout
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]
    steps = [line for line in lines if line["t"] >= 1]
    if len(steps) != STEPS:
        raise SystemExit(f"{kind} seed {seed}: marl-sim traced {len(steps)} steps, expected {STEPS}")

    worst = {"physics": 0.0, "observation": 0.0, "reward": 0.0}
    for (want_state, want_obs, want_reward, want_extra), got in zip(expected, steps):
        for key, want in want_state.items():
            if key == "goal":
                if got["snapshot"]["goal"] != want:
                    worst["physics"] = float("inf")
                continue
            worst["physics"] = max(worst["physics"], float(np.max(np.abs(np.array(got["snapshot"][key]) - np.array(want)))))
        for i, obs in enumerate(want_obs):
            mine = np.asarray(got["observations"][i], dtype=np.float32)
            scale = np.maximum(1.0, np.abs(obs))
            worst["observation"] = max(worst["observation"], float(np.max(np.abs(mine - obs) / scale)))
        worst["reward"] = max(worst["reward"], abs(got["reward"] - want_reward))
        if want_extra is not None:
            worst["reward"] = max(worst["reward"], abs(got["info"]["good_reward"] - want_extra))
    return worst


def main():
    limits = {"physics": 1e-9, "observation": 0.0, "reward": 1e-6}
    failed = False
    for kind in CASES:
        overall = {k: 0.0 for k in limits}
        for seed in range(1, 6):
            worst = run(kind, seed)
            ok = all(worst[k] <= limits[k] for k in limits)
            failed |= not ok
            overall = {k: max(overall[k], worst[k]) for k in limits}
            print(f"{kind:27} seed {seed}: max |Δ position/velocity| {worst['physics']:.3g}  max rel |Δ observation| "
                  f"{worst['observation']:.3g}  max |Δ reward| {worst['reward']:.3g}  {'ok' if ok else 'FAIL'}")
        print(f"{kind:27} worst:  max |Δ position/velocity| {overall['physics']:.3g}  max rel |Δ observation| "
              f"{overall['observation']:.3g}  max |Δ reward| {overall['reward']:.3g}")
    print(f"limits: position/velocity {limits['physics']}, observations equal as float32, reward {limits['reward']}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
