"""Benchmark: UMAP against t-SNE maps of the same codes, and the first live t-SNE frame.

Both run through :func:`explorer.core.stats.maps.project` with their defaults (t-SNE:
perplexity 30, 250 + 500 iterations; UMAP: 15 neighbours, min_dist 0.1, precomputed kNN,
PCA initialisation) on a 10-cluster Gaussian mixture like MNIST encodings (16 dims), with all
cores, here (in this process, where TensorFlow is blocked as in the child process). UMAP's numba compilation, paid once per process, is measured
on its own first (a 500-point map) and left out of the timings. Every size is timed
``--repeats`` times (the median is shown; 140k once).

The live map: the seconds from calling ``project`` to the first ``on_frame`` (the PCA
initialisation, iteration 0: child start, PCA, affinities) and to the first optimised frame
(iteration 10), in a child process as the window runs large maps.

The load average and the busiest other processes are printed before and after: the machine
may be shared.

Usage: ``python bench/bench_projection.py [--quick] [--sizes 5000,20000] [--repeats 3]``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from pathlib import Path

import numpy as np

# As in the child: umap-learn would import TensorFlow (3-30 s). A process that has it already
# (the tests run main() in theirs) keeps it: nothing to save there, and its users need it.
if "tensorflow" not in sys.modules:
    sys.modules["tensorflow"] = None
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
try:
    import explorer  # noqa: F401
except ImportError:  # run from a checkout without installing the package
    sys.path.insert(0, str(HERE.parent))

from bench_tsne import make_mixture  # noqa: E402
from machine_load import machine, median_seconds  # noqa: E402

from explorer.core.stats.maps import project  # noqa: E402

FULL_SIZES = (5000, 20000, 140_000)
QUICK_SIZES = (500,)


def first_frames(x: np.ndarray, child: bool) -> tuple[float, float, float]:
    """Seconds to the first frame (iteration 0), to the first optimised one (iteration 10)
    and to the end, of a t-SNE map stopped after the 100th iteration."""
    from explorer.core.errors import Cancelled
    from explorer.core.progress import TaskState

    state = TaskState()
    seen: dict[int, float] = {}
    start = time.perf_counter()

    def on_frame(xy: np.ndarray, iteration: int) -> None:
        seen.setdefault(iteration, time.perf_counter() - start)
        if iteration >= 100:
            state.request_stop()

    with contextlib.suppress(Cancelled):
        project(x, "tsne", state=state, on_frame=on_frame, child=child)
    return seen.get(0, float("nan")), seen.get(10, float("nan")), time.perf_counter() - start


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500 points, one run each")
    parser.add_argument("--sizes", help="comma-separated point counts (5000,20000,140000)")
    parser.add_argument("--dims", type=int, default=16, help="code dimensions (16)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per size (140k: 1)")
    parser.add_argument("--frame-points", type=int, help="live-frame test size (20000)")
    args = parser.parse_args(argv)
    if args.sizes:
        args.sizes = [int(v) for v in args.sizes.split(",")]
    else:
        args.sizes = list(QUICK_SIZES if args.quick else FULL_SIZES)
    if args.frame_points is None:
        args.frame_points = 500 if args.quick else 20000
    if args.quick:
        args.repeats = 1
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(f"machine: {os.cpu_count()} cores; {machine()}", flush=True)
    warm = make_mixture(500, args.dims, 1)[0]
    jit, _ = median_seconds(lambda: project(warm, "umap", child=False), 1)
    print(f"UMAP first map in this process (numba compilation, 500 points): {jit:.1f} s")
    rows = []
    for n in args.sizes:
        x, _ = make_mixture(n, args.dims, 0)
        repeats = 1 if n > 50_000 else args.repeats
        u, _ = median_seconds(lambda x=x: project(x, "umap", child=False), repeats)
        t, _ = median_seconds(lambda x=x: project(x, "tsne", child=False), repeats)
        rows.append((n, repeats, u, t))
        print(f"  {n} points: UMAP {u:.2f} s, t-SNE {t:.2f} s (median of {repeats})", flush=True)
    print(f"{'points':>8} {'runs':>5} {'UMAP [s]':>9} {'t-SNE [s]':>10} {'t-SNE / UMAP':>13}")
    for n, repeats, u, t in rows:
        print(f"{n:>8} {repeats:>5} {u:>9.2f} {t:>10.2f} {t / u:>12.2f}x")
    x, _ = make_mixture(args.frame_points, args.dims, 0)
    first, optimised, total = first_frames(x, child=True)
    print(
        f"live t-SNE of {args.frame_points} points in a child process: first frame "
        f"{first:.2f} s, first optimised frame (iteration 10) {optimised:.2f} s, "
        f"100 iterations {total:.2f} s after calling project"
    )
    print(f"after: {machine()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
