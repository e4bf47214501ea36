#!/usr/bin/env python3
"""Env-steps/s through Python, random actions, with the MPE2 anchor's harness (shared/anchors/mpe2_rate.py):
MPE2's simple_spread_v3 (when mpe2 is installed), our spread (MPE2 preset) as a PettingZoo ParallelEnv,
and as a VectorWorld of 64 instances (each instance-step counts as one env-step).

usage: world_rate.py [seconds] [rounds]   prints: round=<r> workload=<name> steps_per_s=<x>
Run it pinned to one core (scripts/bench/python-worlds does).
"""
import sys
import time

import numpy as np

import marlsim

seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3


def parallel_rate(env):
    """The anchor's loop: a dict of random ids each step, reset when the episode ends."""
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    sizes = {a: env.action_space(a).n for a in env.agents}
    steps, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        env.step({a: int(rng.integers(sizes[a])) for a in env.agents})
        steps += 1
        if not env.agents:
            env.reset()
    return steps / (time.perf_counter() - t0)


def vector_rate(n):
    batch = marlsim.VectorWorld("envs/spread.lua", n, seed=0, preset="mpe2")
    batch.reset()
    rng = np.random.default_rng(0)
    steps, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        batch.step(rng.integers(5, size=(n, 3), dtype=np.int32))
        steps += n
    return steps / (time.perf_counter() - t0)


def mpe2_env():
    try:
        from mpe2 import simple_spread_v3
    except ImportError:
        return None
    return simple_spread_v3.parallel_env(N=3, max_cycles=25)


for r in range(1, rounds + 1):
    reference = mpe2_env()
    if reference is not None:
        print(f"round={r} workload=mpe2_spread_n3 steps_per_s={parallel_rate(reference):.0f}", flush=True)
    print(f"round={r} workload=marlsim_parallel_env steps_per_s={parallel_rate(marlsim.parallel_env('envs/spread.lua', preset='mpe2')):.0f}",
          flush=True)
    print(f"round={r} workload=marlsim_vector_world_64 steps_per_s={vector_rate(64):.0f}", flush=True)
