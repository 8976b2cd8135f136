"""Smoke tests: the CelebA-scale benchmarks run with ``--quick`` and print their ratio lines
(no timing asserts: the machine may be shared). The three benchmarks run at the same time,
each in its own subprocess, to keep the wall time down."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCHES = {
    "streaming": ("bench_streaming.py", "--data", "{standin}"),
    "folder_cache": ("bench_folder_cache.py", "--data", "{images}", "--images", "96"),
    "analysis": ("bench_scale_analysis.py",),
}


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, subprocess.CompletedProcess]:
    sys.path.insert(0, str(ROOT / "bench"))
    import make_faces

    tmp = tmp_path_factory.mktemp("bench_scale")
    images = make_faces.make_faces(tmp / "standin", 600, seed=0)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    env["XDG_CACHE_HOME"] = str(tmp / "xdg")
    procs = {}
    for name, (script, *args) in BENCHES.items():
        args = [a.format(standin=tmp / "standin", images=images) for a in args]
        procs[name] = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / script), "--quick", *args],
            cwd=tmp,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    results = {}
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=400)
        results[name] = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    return results


def check(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_make_faces_cli(tmp_path):
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "make_faces.py"), "--n", "5", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert len(list((tmp_path / "img_align_celeba").glob("*.jpg"))) == 5
    assert (tmp_path / "list_attr_celeba.txt").read_text().startswith("5\n")


def test_bench_streaming_quick(outputs):
    out = check(outputs["streaming"])
    assert "peak RSS ratio" in out
    assert "throughput ratio (folder / memory):" in out


def test_bench_folder_cache_quick(outputs):
    assert "epoch time ratio (streamed / cached" in check(outputs["folder_cache"])


def test_bench_scale_analysis_quick(outputs):
    out = check(outputs["analysis"])
    assert "[hist] ratio (loop / ours):" in out
    assert "[kmeans] ratio (full KMeans / minibatch sweep" in out
    assert "[tsne] tsne() of" in out
    assert "[compare] ratio (scikit-learn / openTSNE)" in out
