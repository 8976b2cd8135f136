"""Smoke test: ``bench/bench_training.py --quick`` runs and prints the comparison."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_bench_training_quick_runs() -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_training.py"), "--quick"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "plain model.fit script" in proc.stdout and "TrainingWorker" in proc.stdout
    assert re.search(r"throughput ratio \(worker / plain\): \d+\.\d+", proc.stdout)
    assert re.search(r"event loop worst stall while training: \d+ ms", proc.stdout)
