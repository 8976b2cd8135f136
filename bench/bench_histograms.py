"""Benchmark: vectorised ``component_histograms`` against a loop of ``np.histogram``.

Both bin every component of the same random z-points (``N(0, 3)``, float32) into 100 bins
over ``[-12, 12]``; the counts must be identical. Also timed: ``radius_histogram`` plus
``component_histograms`` with their default ranges, the work behind the radius and
component plots (goal: under 0.5 s for 200k x 256 on a 2-core machine).
Times are medians of ``--repeats`` runs (``time.perf_counter``); the CPU time of the process
is printed beside them because the machine may be shared.

Usage: ``python bench/bench_histograms.py [--quick] [--points N] [--dims D] [--repeats R]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

try:
    from explorer.core.stats.histograms import component_histograms, radius_histogram
except ImportError:  # run from a checkout without installing the package
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from explorer.core.stats.histograms import component_histograms, radius_histogram

BINS = 100
RANGE = (-12.0, 12.0)


def histogram_loop(z: np.ndarray) -> np.ndarray:
    """The reference: one ``np.histogram`` per component."""
    return np.stack([np.histogram(z[:, j], bins=BINS, range=RANGE)[0] for j in range(z.shape[1])])


def vectorised(z: np.ndarray) -> np.ndarray:
    return component_histograms(z, bins=BINS, range=RANGE).counts


def radius_and_components(z: np.ndarray) -> None:
    radius_histogram(z, bin_width=0.5)
    component_histograms(z, bins=BINS)


def median_time(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median wall time (``perf_counter``) and median process CPU time of ``fn``."""
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20k x 64 points (about 1 s)")
    parser.add_argument("--points", type=int, default=None, help="rows (default 200000)")
    parser.add_argument("--dims", type=int, default=None, help="components (default 256)")
    parser.add_argument("--repeats", type=int, default=None, help="runs per timing (default 5)")
    args = parser.parse_args(argv)
    points = args.points or (20_000 if args.quick else 200_000)
    dims = args.dims or (64 if args.quick else 256)
    repeats = args.repeats or (3 if args.quick else 5)

    z = np.random.default_rng(0).normal(0.0, 3.0, size=(points, dims)).astype(np.float32)
    reference, counts = histogram_loop(z), vectorised(z)  # warm-up and correctness
    if not np.array_equal(reference, counts):
        print("counts differ between the loop and component_histograms", file=sys.stderr)
        return 1

    loop_time, loop_cpu = median_time(lambda: histogram_loop(z), repeats)
    fast_time, fast_cpu = median_time(lambda: vectorised(z), repeats)
    both_time, both_cpu = median_time(lambda: radius_and_components(z), repeats)
    print(f"component histograms of {points} x {dims} float32, {BINS} bins over {RANGE}")
    print(f"(median of {repeats} runs; counts identical; cpu = all threads of this process)")
    print(f"{'method':<42}{'time [s]':>10}{'cpu [s]':>10}")
    print(f"{'np.histogram loop':<42}{loop_time:>10.3f}{loop_cpu:>10.3f}")
    print(f"{'component_histograms':<42}{fast_time:>10.3f}{fast_cpu:>10.3f}")
    print(f"{'radius_histogram + component_histograms':<42}{both_time:>10.3f}{both_cpu:>10.3f}")
    print(f"time ratio (loop / component_histograms): {loop_time / fast_time:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
