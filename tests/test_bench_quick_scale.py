"""Smoke tests: the CelebA-scale benchmarks run with ``--quick`` and print their ratio lines
(no timing asserts: the machine may be shared). They run in this process through their own
``main`` (as in tests/test_bench_quick.py); ``bench_streaming`` measures the peak memory of
each folder size in a fresh process of its own, which its ``main`` starts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import made_once
from tests.helpers import bench_state_kept, run_bench_here

ROOT = Path(__file__).resolve().parents[1]
STANDIN = 200  # images: bench_streaming compares folders of 100 and 200 here
pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def standin(tmp_path_factory) -> Path:
    """A stand-in CelebA of 200 faces (bench/make_faces.py), made once for the whole run."""

    def make(folder: Path) -> None:
        with bench_state_kept():
            sys.path.insert(0, str(ROOT / "bench"))
            import make_faces

            make_faces.make_faces(folder, STANDIN, seed=0, workers=1)  # no fork: TF's threads

    return made_once(tmp_path_factory, f"standin{STANDIN}", make)


@pytest.fixture
def bench(tmp_path, monkeypatch):
    """``bench(script, *args)``: the benchmark's ``--quick`` output, run in this process with
    its caches (``XDG_CACHE_HOME``) in the test's folder."""
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)

    def run(script: str, *args: str) -> str:
        with bench_state_kept():
            return run_bench_here(script, "--quick", *map(str, args))

    return run


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


def test_bench_streaming_quick(bench, standin):
    sizes = f"{STANDIN // 2},{STANDIN}"  # each folder in a process of its own (peak memory)
    out = bench(
        "bench_streaming.py", "--data", standin, "--sizes", sizes, "--throughput-images", 64
    )
    assert "peak RSS ratio" in out
    assert "throughput ratio (folder / memory):" in out


def test_bench_folder_cache_quick(bench, standin):
    out = bench("bench_folder_cache.py", "--data", standin / "img_align_celeba", "--images", 64)
    assert "epoch time ratio (streamed / cached" in out


def test_bench_scale_analysis_quick(bench):
    out = bench("bench_scale_analysis.py")
    assert "[hist] ratio (loop / ours):" in out
    assert "[kmeans] ratio (full KMeans / minibatch sweep" in out
    assert "[tsne] tsne() of" in out
    assert "[compare] ratio (scikit-learn / openTSNE)" in out
