"""Smoke test: ``bench/bench_histograms.py --quick`` runs and prints the comparison."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bench_histograms_quick_runs() -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_histograms.py"), "--quick"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "np.histogram loop" in proc.stdout and "component_histograms" in proc.stdout
    assert re.search(r"time ratio \(loop / component_histograms\): \d+(\.\d+)?x", proc.stdout)
