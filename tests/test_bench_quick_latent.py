"""Smoke tests: ``bench/bench_decode.py --quick`` and ``bench/bench_encode.py --quick`` run
and print their comparison (no timing assertions: the machine may be busy)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NUMBER = r"\d+(\.\d+)?"


def run_quick(script: str) -> str:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), "--quick"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.skipif(
    not (ROOT / "models" / "mnist_vae" / "model.keras").is_file(),
    reason="the shipped mnist_vae model is missing",
)
def test_bench_decode_quick_runs() -> None:
    out = run_quick("bench_decode.py")
    assert "latent.decode (compiled)" in out and "decoder.predict" in out
    assert re.search(rf"time ratio \(predict / compiled\): 8x8 {NUMBER}x, 32x32 {NUMBER}x", out), (
        out
    )
    assert re.search(rf"time ratio \(per-image predict / compiled\), 8x8: {NUMBER}x", out), out


@pytest.mark.skipif(
    not (ROOT / "models" / "mnist_vae" / "model.keras").is_file(),
    reason="the shipped mnist_vae model is missing",
)
def test_bench_encode_quick_runs() -> None:
    out = run_quick("bench_encode.py")
    assert "encode_dataset (ours)" in out and "bare model.encoder loop" in out
    assert re.search(rf"throughput ratio \(ours / bare\): {NUMBER} wall, {NUMBER} CPU", out), out
