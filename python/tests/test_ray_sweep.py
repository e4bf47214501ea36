"""`marl-sim sweep --backend ray` through marlsim.ray_sweep: run folders equal the local backend's
byte for byte, each task asks for its run's threads, and a Python without Ray gets one clear error.

CI has no Ray cluster, so these tests give the module a stand-in `ray` (below) that runs each task
in a fresh process, as a worker would; scripts/checks/ray runs the same comparison on a real local
cluster (docs/sweeps.md).
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import COMMAND, REPO
from worlds import write

# A stand-in for Ray's API as marlsim.ray_sweep uses it: each task runs in its own Python process
# (arguments and result pickled, as Ray ships them), and the CPUs each asks for are logged.
FAKE_RAY = '''
import os, pickle, subprocess, sys, json

_log = os.environ["FAKE_RAY_LOG"]

def init(address=None, **kwargs):
    with open(_log, "a") as f:
        f.write(json.dumps({"init": address}) + "\\n")

class _Ref:
    def __init__(self, value):
        self.value = value

class _Remote:
    def __init__(self, function, options=None):
        self.function, self.options_ = function, options or {}
    def options(self, **options):
        return _Remote(self.function, options)
    def remote(self, *args):
        with open(_log, "a") as f:
            f.write(json.dumps({"num_cpus": self.options_.get("num_cpus")}) + "\\n")
        payload = pickle.dumps((self.function.__module__, self.function.__name__, args))
        code = "import pickle, sys, importlib; m, n, a = pickle.loads(sys.stdin.buffer.read()); " \\
               "sys.stdout.buffer.write(pickle.dumps(getattr(importlib.import_module(m), n)(*a)))"
        done = subprocess.run([sys.executable, "-c", code], input=payload, capture_output=True)
        if done.returncode != 0:
            raise RuntimeError(done.stderr.decode())
        return _Ref(pickle.loads(done.stdout))

def remote(function):
    return _Remote(function)

def wait(refs, num_returns=1):
    return refs[:num_returns], refs[num_returns:]

def get(ref):
    return ref.value

def cancel(ref):
    pass

def shutdown():
    pass
'''

SPEC = """
seeds = 2
threads = 1
settings = {{ steps = 800, log_interval = 200, test_episodes = 8, replay_episodes = 0 }}

[[experiment]]
name = "odd"
world = "{odd}"
learners = ["hasac", "masac"]
grid = {{ gamma = [0.9, 0.99] }}

[[experiment]]
name = "nonmono"
world = "envs/matrix/nonmono.lua"
learner = "qmix"
"""

ODD_GAME = """
local t, goal = 0, 1
return {
  agents = 2, episode_limit = 5, observation_size = {4, 1},
  actions = {{discrete = 4}, {continuous = 2, low = {-1, -3}, high = {1, 3}}},
  reset = function(self) t = 0; goal = math.random(4) end,
  observe = function(self, i, out)
    if i == 1 then for k = 1, 4 do out[k] = (k == goal) and 1 or 0 end else out[1] = t end
  end,
  step = function(self, a)
    t = t + 1
    return ((a[1] == goal) and 1 or 0) - 0.1 * math.abs(a[2][1]) - 0.01 * math.abs(a[2][2]), t >= 5
  end,
}
"""


def run_folder_bytes(run: Path):
    """metrics.csv without its wall_seconds column, and the weights."""
    lines = (run / "metrics.csv").read_text().splitlines()
    wall = lines[0].split(",").index("wall_seconds")
    metrics = [",".join(c for k, c in enumerate(line.split(",")) if k != wall) for line in lines]
    return metrics, (run / "model.safetensors").read_bytes()


def sweep(spec, out, *extra, env=None):
    return subprocess.run([str(COMMAND), "sweep", str(spec), "--out", str(out), *extra], cwd=REPO, capture_output=True, text=True,
                          env=env or os.environ.copy())


@pytest.fixture()
def spec(tmp_path):
    odd = write(tmp_path, "odd.lua", ODD_GAME)
    path = tmp_path / "spec.toml"
    path.write_text(SPEC.format(odd=odd))
    return path


def test_the_ray_backend_writes_the_local_backends_run_folders_byte_for_byte(tmp_path, spec):
    fake = tmp_path / "fake"
    (fake / "ray").mkdir(parents=True)
    (fake / "ray" / "__init__.py").write_text(FAKE_RAY)
    log = tmp_path / "ray.log"
    env = os.environ.copy()
    env.update(MARLSIM_PYTHON=sys.executable, FAKE_RAY_LOG=str(log),
               PYTHONPATH=os.pathsep.join([str(fake), str(REPO / "python")] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])))
    local = sweep(spec, tmp_path / "local", "--jobs", "2")
    assert local.returncode == 0, local.stderr
    remote = sweep(spec, tmp_path / "ray", "--backend", "ray", "--address", "127.0.0.1:6379", env=env)
    assert remote.returncode == 0, remote.stderr + remote.stdout
    assert "on the Ray cluster at 127.0.0.1:6379" in remote.stdout

    runs = json.loads((tmp_path / "ray" / "sweep.json").read_text())["runs"]
    assert len(runs) == 10 and {r["status"] for r in runs} == {"finished"}
    for run in runs:
        name = run["name"]
        assert run_folder_bytes(tmp_path / "ray" / "runs" / name) == run_folder_bytes(tmp_path / "local" / "runs" / name), name
        assert (tmp_path / "ray" / "logs" / f"{name}.log").read_text().count("done after") == 1
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    assert calls[0] == {"init": "127.0.0.1:6379"}
    assert [c["num_cpus"] for c in calls[1:]] == [1] * 10
    # The same report from both backends, but for the wall time and speed columns.
    strip = lambda text: [line.split(",")[:14] for line in text.splitlines()]
    assert strip((tmp_path / "ray" / "report.csv").read_text()) == strip((tmp_path / "local" / "report.csv").read_text())

    again = sweep(spec, tmp_path / "ray", "--backend", "ray", env=env)
    assert again.returncode == 0 and "10 runs (10 finished, 0 to resume)" in again.stdout, again.stdout


def test_a_python_without_ray_is_one_clear_error(tmp_path, spec):
    try:
        import ray  # noqa: F401
        pytest.skip("Ray is installed here")
    except ImportError:
        pass
    env = os.environ.copy()
    env["MARLSIM_PYTHON"] = sys.executable
    result = sweep(spec, tmp_path / "ray", "--backend", "ray", env=env)
    assert result.returncode == 1
    assert "cannot import ray" in result.stderr and "-m pip install ray" in result.stderr, result.stderr
    assert result.stderr.count("error:") == 1
    assert not (tmp_path / "ray").exists(), "nothing is written before Ray is found"
