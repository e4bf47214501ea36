"""Acceptance 4: a hostile world raises MarlSimError with file, line and rule; the interpreter
goes on and loads another world."""
import numpy as np
import pytest

import marlsim

from worlds import INFINITE_LOOP, MEMORY_BOMB, RUNTIME_ERROR, write


def test_runtime_error_names_file_line_and_rule(tmp_path):
    world = marlsim.World(write(tmp_path, "broken.lua", RUNTIME_ERROR))
    world.reset()
    with pytest.raises(marlsim.MarlSimError) as caught:
        world.step([0])
    error = caught.value
    assert error.file.endswith("broken.lua") and error.line == 8 and "step" in error.rule
    assert "broken.lua:8" in str(error)


def test_infinite_loop_stops_at_the_time_budget(tmp_path):
    world = marlsim.World(write(tmp_path, "loops.lua", INFINITE_LOOP), time_budget_ms=300)
    world.reset()
    with pytest.raises(marlsim.MarlSimError) as caught:
        world.step([1])
    assert caught.value.file.endswith("loops.lua") and "300 ms" in caught.value.rule


def test_memory_bomb_stops_at_the_memory_cap(tmp_path):
    world = marlsim.World(write(tmp_path, "bomb.lua", MEMORY_BOMB), memory_mib=32)
    with pytest.raises(marlsim.MarlSimError) as caught:
        world.reset()
    assert caught.value.file.endswith("bomb.lua") and "32 MiB" in caught.value.rule


def test_batch_errors_name_the_instance(tmp_path):
    batch = marlsim.VectorWorld(write(tmp_path, "broken.lua", RUNTIME_ERROR), 3)
    batch.reset()
    with pytest.raises(marlsim.MarlSimError) as caught:
        batch.step(np.zeros((3, 1)))
    assert "instance 1 of 3" in caught.value.message and caught.value.line == 8


def test_broken_files_and_arguments(tmp_path):
    with pytest.raises(marlsim.MarlSimError) as caught:
        marlsim.World(tmp_path / "missing.lua")
    assert "no world file" in caught.value.message
    syntax = write(tmp_path, "syntax.lua", "return {agents = 1,, }")
    with pytest.raises(marlsim.MarlSimError) as caught:
        marlsim.World(syntax)
    assert caught.value.line == 1 and "Lua 5.4" in caught.value.rule
    with pytest.raises(marlsim.MarlSimError) as caught:
        marlsim.World("envs/smac.lua", map="4m")
    assert "4m" in caught.value.message
    with pytest.raises(marlsim.MarlSimError):
        marlsim.World("envs/spread.lua", colours=3)
    world = marlsim.World("envs/spread.lua")
    with pytest.raises(marlsim.MarlSimError) as caught:
        world.step([0, 0, 0])
    assert "reset first" in caught.value.message
    world.reset()
    with pytest.raises(marlsim.MarlSimError):
        world.step([7, 0, 0])
    with pytest.raises(ValueError):
        marlsim.World("envs/spread.lua", seed=-1)
    with pytest.raises(marlsim.MarlSimError):
        marlsim.VectorWorld("envs/spread.lua", 0)
    with pytest.raises(marlsim.MarlSimError) as caught:
        marlsim.load_policy(tmp_path)
    assert "config.json" in str(caught.value)


def test_the_interpreter_goes_on(tmp_path):
    for text in (RUNTIME_ERROR, INFINITE_LOOP):
        world = marlsim.World(write(tmp_path, "hostile.lua", text), time_budget_ms=200)
        world.reset()
        with pytest.raises(marlsim.MarlSimError):
            world.step([0])
        world.close()
    healthy = marlsim.World("envs/matrix/nonmono.lua", seed=1)
    healthy.reset()
    reward, terminated, truncated = healthy.step([0, 0])
    assert reward == 8 and (terminated or truncated)


EXTREME = {
    "agents": "return {agents = 4096, actions = {discrete = 5}, observation_size = 20, episode_limit = 25, reset = function(self) end, observe = function(self, i, out) for k = 1, 20 do out[k] = k end end, step = function(self, a) return 0, false end}",
    "actions": "return {agents = 3, actions = {discrete = 1000000}, observation_size = 4, episode_limit = 25, reset = function(self) end, observe = function(self, i, out) for k = 1, 4 do out[k] = k end end, step = function(self, a) return 0, false end}",
    "continuous": "return {agents = 2, actions = {continuous = 4096}, observation_size = 3, episode_limit = 25, reset = function(self) end, observe = function(self, i, out) for k = 1, 3 do out[k] = k end end, step = function(self, a) return 0, false end}",
    "observation": "return {agents = 2, actions = {discrete = 4}, observation_size = 1000000, episode_limit = 5, reset = function(self) end, observe = function(self, i, out) for k = 1, 1000000 do out[k] = 0 end end, step = function(self, a) return 0, true end}",
    "limit": "local t = 0 return {agents = 2, actions = {discrete = 4}, observation_size = 3, episode_limit = 100000000, reset = function(self) t = 0 end, observe = function(self, i, out) out[1] = t % 7; out[2] = i; out[3] = 1 end, step = function(self, a) t = t + 1 return 1, t >= 20 end}",
    "recursion": "local function deeper(n) return deeper(n + 1) + 1 end return {agents = 2, actions = {discrete = 3}, observation_size = 2, episode_limit = 10, reset = function(self) end, observe = function(self, i, out) out[1] = 0; out[2] = 1 end, step = function(self, a) return deeper(1), false end}",
}


@pytest.mark.parametrize("name", sorted(EXTREME))
def test_extreme_but_legal_worlds_work_or_raise(name, tmp_path):
    """Sizes at the contract's bounds: each works or raises MarlSimError; the process never dies."""
    file = write(tmp_path, f"{name}.lua", EXTREME[name])
    outcomes = []
    for make in (lambda: marlsim.World(file), lambda: marlsim.VectorWorld(file, 3)):
        try:
            world = make()
            if isinstance(world, marlsim.World):
                world.reset()
                for _ in range(3):
                    if not world.running:
                        world.reset()
                    world.step(np.zeros(world.spec.agents, dtype=np.int32), np.zeros(world.spec.total_continuous_size))
            else:
                world.reset()
                for _ in range(3):
                    world.step(np.zeros((3, world.spec.agents), dtype=np.int32), np.zeros((3, world.spec.total_continuous_size)))
            outcomes.append("ran")
        except marlsim.MarlSimError as error:
            assert error.file.endswith(f"{name}.lua") and error.rule, str(error)
            outcomes.append("raised")
    assert outcomes == (["raised", "raised"] if name == "recursion" else ["ran", "ran"]), outcomes


def test_a_batch_larger_than_memory_is_refused_before_it_is_built():
    with pytest.raises(marlsim.MarlSimError) as caught:
        marlsim.VectorWorld("envs/smac.lua", 1_000_000, map="MMM2")
    assert "over 80 % of this machine's memory" in caught.value.message and "use at most" in caught.value.message
