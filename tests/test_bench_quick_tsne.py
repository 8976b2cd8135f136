"""Smoke test: ``bench/bench_tsne.py --quick`` runs and prints the comparison."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bench_tsne_quick_runs() -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_tsne.py"), "--quick"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "openTSNE" in proc.stdout and "scikit-learn" in proc.stdout
    assert "time ratio (scikit-learn / openTSNE):" in proc.stdout
