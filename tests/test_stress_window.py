"""The window cannot be crashed by a random sequence of user actions (bench/stress_window.py
in a child process under ``python -X faulthandler``, so a crash is this test's failure with
the crash's stack, not the end of the test run). Long runs: ``--rounds 2000``."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.helpers import ROOT

ROUNDS = 25  # per seed: about 15 s each, two seeds side by side under xdist
pytestmark = pytest.mark.slow  # started first under xdist


@pytest.mark.parametrize("seed", [0, 1])
def test_random_user_actions_never_crash_the_window(seed, tmp_path):
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "LATENT_EXPLORER_SETTINGS_DIR": str(tmp_path / "settings"),
        "PYTHONPATH": str(ROOT),
    }
    r = subprocess.run(
        [sys.executable, "-X", "faulthandler", str(ROOT / "bench" / "stress_window.py"),
         "--rounds", str(ROUNDS), "--seed", str(seed)],
        capture_output=True, text=True, timeout=600, env=env,
    )  # fmt: skip
    assert r.returncode == 0, f"exit {r.returncode}\n{r.stdout[-2000:]}\n{r.stderr[-6000:]}"
    assert f"stress: {ROUNDS} rounds, no crash" in r.stdout
    done = next(line for line in r.stdout.splitlines() if line.startswith("actions done:"))
    assert done.count(":") >= 6, done  # most kinds of action were tried
