"""Acceptance 6: examples/benchmarl_smac.py trains through BenchMARL (an existing PyTorch MARL
framework) for a few thousand steps, when BenchMARL is installed."""
import subprocess
import sys

import pytest

from conftest import REPO

pytest.importorskip("benchmarl")


@pytest.mark.parametrize("algorithm", ["qmix", "mappo"])
def test_benchmarl_trains_on_the_combat_world(algorithm, tmp_path):
    result = subprocess.run([sys.executable, "examples/benchmarl_smac.py", "--frames", "2000", "--algorithm", algorithm,
                             "--folder", str(tmp_path)], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"trained {algorithm} on envs/smac.lua map=3m for 2000 frames" in result.stdout
