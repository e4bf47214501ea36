"""Parity of envs/spread.lua (preset mpe2) and envs/tag.lua (good=agent) with MPE2.

For each world and seed: take MPE2's initial state after reset(seed), inject it into the Lua world
through `marl-sim trace --restore`, play the same random discrete actions for 25 steps in both,
and compare positions and velocities (absolute 1e-9), observations (float32 precision) and
rewards (1e-6). Prints one line per world and seed and the worst differences; exit 1 on a failure.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from mpe2 import simple_spread_v3, simple_tag_v3

MARLSIM = os.environ.get("MARLSIM", ".build/release/marl-sim")
STEPS = 25


def entities(raw):
    world = raw.world
    return [[float(e.state.p_pos[0]), float(e.state.p_pos[1]), float(e.state.p_vel[0]), float(e.state.p_vel[1])]
            for e in world.agents + world.landmarks]


def run(kind, seed):
    if kind == "spread":
        env = simple_spread_v3.parallel_env(N=3, local_ratio=0.5, max_cycles=STEPS, continuous_actions=False)
        world_args = ["envs/spread.lua", "--env", "preset=mpe2"]
    else:
        env = simple_tag_v3.parallel_env(num_good=1, num_adversaries=3, num_obstacles=2, max_cycles=STEPS, continuous_actions=False)
        world_args = ["envs/tag.lua", "--env", "good=agent"]
    observations, _ = env.reset(seed=seed)
    raw = env.unwrapped
    names = list(env.possible_agents)
    start = entities(raw)
    rng = np.random.default_rng(1000 + seed)
    actions = rng.integers(0, 5, size=(STEPS, len(names)))

    expected = []
    for t in range(STEPS):
        observations, rewards, _, _, _ = env.step({name: int(actions[t][i]) for i, name in enumerate(names)})
        if kind == "spread":
            team = sum(float(rewards[n]) for n in names)
            extra = None
        else:
            team = float(rewards["adversary_0"])
            extra = float(rewards["agent_0"])
        expected.append((entities(raw), [np.asarray(observations[n], dtype=np.float32) for n in names], team, extra))

    with tempfile.TemporaryDirectory() as scratch:
        restore = os.path.join(scratch, "restore.json")
        plays = os.path.join(scratch, "actions.json")
        with open(restore, "w") as f:
            json.dump({"entities": start}, f)
        with open(plays, "w") as f:
            json.dump([[int(a) + 1 for a in row] for row in actions], f)
        out = subprocess.run([MARLSIM, "trace", *world_args, "--restore", restore, "--actions", plays, "--seed", str(seed)],
                             capture_output=True, text=True, check=True).stdout
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]
    steps = [line for line in lines if line["t"] >= 1]
    if len(steps) != STEPS:
        raise SystemExit(f"{kind} seed {seed}: marl-sim traced {len(steps)} steps, expected {STEPS}")

    worst = {"physics": 0.0, "observation": 0.0, "reward": 0.0}
    for (want_entities, want_obs, want_reward, want_extra), got in zip(expected, steps):
        got_entities = got["snapshot"]["entities"]
        worst["physics"] = max(worst["physics"], float(np.max(np.abs(np.array(got_entities) - np.array(want_entities)))))
        for i, obs in enumerate(want_obs):
            mine = np.asarray(got["observations"][i], dtype=np.float32)
            scale = np.maximum(1.0, np.abs(obs))
            worst["observation"] = max(worst["observation"], float(np.max(np.abs(mine - obs) / scale)))
        worst["reward"] = max(worst["reward"], abs(got["reward"] - want_reward))
        if want_extra is not None:
            worst["reward"] = max(worst["reward"], abs(got["info"]["good_reward"] - want_extra))
    return worst


def main():
    limits = {"physics": 1e-9, "observation": 2 ** -23, "reward": 1e-6}
    failed = False
    for kind in ["spread", "tag"]:
        for seed in range(1, 6):
            worst = run(kind, seed)
            ok = all(worst[k] <= limits[k] for k in limits)
            failed |= not ok
            print(f"{kind:6} seed {seed}: max |Δ position/velocity| {worst['physics']:.3g}  max rel |Δ observation| "
                  f"{worst['observation']:.3g}  max |Δ reward| {worst['reward']:.3g}  {'ok' if ok else 'FAIL'}")
    print(f"limits: position/velocity {limits['physics']}, observation {limits['observation']:.3g} relative (float32), reward {limits['reward']}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
