"""No third-party warning reaches a new user: the filters of :mod:`twinbench.third_party`
hold in a fresh interpreter, and the escape hatch shows them again (so the check can
fail)."""

from __future__ import annotations

import os
import subprocess
import sys

# what triggers PyTensor's BLAS warning: compiling a C function with a dot product
SCRIPT = """
import twinbench
import pytensor, pytensor.tensor as pt
f = pytensor.function([], pt.dot(pt.ones((2, 2)), pt.ones(2)))
print(f().tolist())
"""


def _run(show: bool) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "default"}
    env.pop("TWINBENCH_SHOW_WARNINGS", None)
    if show:
        env["TWINBENCH_SHOW_WARNINGS"] = "1"
    return subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          env=env, timeout=300)


def test_pytensor_blas_warning_is_filtered_and_can_be_shown():
    quiet = _run(show=False)
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stdout.strip() == "[2.0, 2.0]"
    assert "Warning" not in quiet.stderr, quiet.stderr
    loud = _run(show=True)
    if "could not link to a BLAS" not in loud.stderr:  # a machine with a system BLAS
        return
    assert "UserWarning" in loud.stderr


def test_cli_help_and_validate_print_no_warning():
    from twinbench.data.plant import DEMO_DIR

    env = {**os.environ, "PYTHONWARNINGS": "default"}
    for args in (["--help"], ["validate", str(DEMO_DIR / "plant.yaml")], ["users", "--help"]):
        res = subprocess.run([sys.executable, "-m", "twinbench.cli", *args],
                             capture_output=True, text=True, env=env, timeout=120)
        assert res.returncode == 0, res.stderr
        assert "Warning" not in res.stderr, (args, res.stderr)
