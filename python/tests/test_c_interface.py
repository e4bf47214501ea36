"""The C interface from C: include/marlsim.h compiles and its functions behave as documented."""
import shutil
import subprocess

import pytest

from conftest import BUILD, REPO


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler")
def test_c_program_against_the_header(tmp_path):
    program = tmp_path / "smoke"
    subprocess.run(["cc", "-std=c11", "-Wall", "-Werror", "-I", str(REPO / "include"), str(REPO / "python/tests/c/smoke.c"),
                    "-L", str(BUILD), "-lmarlsim", f"-Wl,-rpath,{BUILD}", "-lm", "-o", str(program)], check=True)
    result = subprocess.run([str(program), "run"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok run"
