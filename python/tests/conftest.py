"""Shared fixtures: the repository, its release build (library and command) and its worlds."""
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD = REPO / ".build" / "release"
COMMAND = BUILD / "marl-sim"

os.environ.setdefault("MARLSIM_LIBRARY", str(BUILD / "libmarlsim.so"))
os.chdir(REPO)

# Every bundled world (envs/lib holds shared modules, not worlds), with their default options.
BUNDLED = sorted(str(p.relative_to(REPO)) for p in (REPO / "envs").rglob("*.lua") if p.parent.name != "lib")


def marl_sim(*arguments, check=True):
    """Runs the command from the repository; returns its stdout."""
    result = subprocess.run([str(COMMAND), *map(str, arguments)], cwd=REPO, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"marl-sim {' '.join(map(str, arguments))} failed:\n{result.stderr}")
    return result


@pytest.fixture(scope="session")
def repo():
    return REPO
