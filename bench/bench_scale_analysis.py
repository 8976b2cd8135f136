"""Benchmark: the latent-space analyses at CelebA scale (200k z-points of 256 components).

Parts (``--parts``, default all):

* ``hist``: radius + per-component histograms together (``explorer.core.stats.histograms``) against
  a loop of ``np.histogram`` (goal: under 0.5 s and at least 3x faster); reuses
  ``bench/bench_histograms.py``.
* ``kmeans``: the inertia sweep k = 2..80 step 2 (``explorer.core.stats.clustering.kmeans_inertia``,
  MiniBatchKMeans) on all points, and full scikit-learn ``KMeans`` on a 20k subset for a
  few k beside the sweep on the same subset (time and inertia).
* ``tsne``: ``explorer.core.stats.projection.tsne`` of ``--tsne-points`` points (140k) after PCA to
  50 dimensions.
* ``compare``: openTSNE (ours) against scikit-learn's ``TSNE`` on ``--compare-points`` (50k)
  PCA-50 points (goal: at least 5x); ``--sklearn-points`` runs scikit-learn on fewer points
  when it is too slow, and the ratio is then extrapolated (n log n) and labelled so.

Data: ``N(0, 1)`` float32 of the given shape for histograms and k-means; a 10-cluster Gaussian
mixture (clusters like real encodings) for t-SNE. Wall times with ``time.perf_counter``; the
machine may be shared, so the process CPU time is printed beside them.

Usage: ``python bench/bench_scale_analysis.py [--quick] [--parts hist,kmeans,tsne,compare]``.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
try:
    import explorer  # noqa: F401
except ImportError:  # run from a checkout without installing the package
    sys.path.insert(0, str(HERE.parent))

import bench_histograms  # noqa: E402
import bench_tsne  # noqa: E402

from explorer.core.stats.clustering import kmeans_inertia  # noqa: E402
from explorer.core.stats.projection import tsne  # noqa: E402

PARTS = ("hist", "kmeans", "tsne", "compare")


def timed(fn):
    """(result, wall seconds, process CPU seconds) of ``fn()``."""
    start, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - start, time.process_time() - cpu


def bench_hist(z: np.ndarray, repeats: int) -> None:
    bench_histograms.radius_and_components(z)  # warm-up
    loop_t, loop_cpu = bench_histograms.median_time(
        lambda: (np.histogram(np.linalg.norm(z, axis=1), bins=70, range=(0, 35)),
                 bench_histograms.histogram_loop(z)),
        repeats,
    )  # fmt: skip
    fast_t, fast_cpu = bench_histograms.median_time(
        lambda: bench_histograms.radius_and_components(z), repeats
    )
    print(
        f"[hist] radius + component histograms of {z.shape[0]} x {z.shape[1]} (median of {repeats})"
    )
    print(f"[hist]   np.histogram loop (+ radius)        {loop_t:8.3f} s  (cpu {loop_cpu:.3f} s)")
    print(f"[hist]   radius_histogram + component_hist.  {fast_t:8.3f} s  (cpu {fast_cpu:.3f} s)")
    print(
        f"[hist] ratio (loop / ours): {loop_t / fast_t:.1f}x; goal < 0.5 s: {'met' if fast_t < 0.5 else 'MISSED'}"
    )


def bench_kmeans(z: np.ndarray, ks: list[int], subset: int, full_ks: list[int]) -> None:
    from sklearn.cluster import KMeans

    sweep, wall, cpu = timed(lambda: kmeans_inertia(z, ks))
    print(
        f"[kmeans] kmeans_inertia k = {ks[0]}..{ks[-1]} ({len(ks)} fits, MiniBatchKMeans, n_init 3) "
        f"on {z.shape[0]} x {z.shape[1]}: {wall:.1f} s (cpu {cpu:.1f} s), {wall / len(ks):.2f} s per k"
    )
    zs = z[np.random.default_rng(1).choice(len(z), min(subset, len(z)), replace=False)]
    zs64 = zs.astype(np.float64)
    print(
        f"[kmeans] on a {len(zs)}-point subset:  k   minibatch [s]   full KMeans [s]   inertia full/minibatch"
    )
    mb_total = full_total = 0.0
    for k in full_ks:
        mb, mb_t, _ = timed(lambda k=k: kmeans_inertia(zs, [k]))
        full, full_t, _ = timed(
            lambda k=k: KMeans(n_clusters=k, n_init=1, random_state=0).fit(zs64)
        )
        mb_total, full_total = mb_total + mb_t, full_total + full_t
        print(
            f"[kmeans]   {k:>30d} {mb_t:13.2f} {full_t:17.2f} {full.inertia_ / mb.inertia[0]:18.4f}"
        )
    print(
        f"[kmeans] ratio (full KMeans / minibatch sweep, same subset and ks): {full_total / mb_total:.1f}x"
    )


def bench_tsne_full(n: int, dims: int, n_iter: int, jobs: int) -> None:
    x, _ = bench_tsne.make_mixture(n, dims, seed=0)
    result, wall, cpu = timed(lambda: tsne(x, pca_dims=50, n_iter=n_iter, n_jobs=jobs))
    p = result.params
    print(
        f"[tsne] tsne() of {n} x {dims} (PCA to 50, {p['neighbors']} kNN, {p['gradient_method']}, "
        f"250 + {n_iter} iterations): {wall:.1f} s (cpu {cpu:.1f} s), KL {result.kl_divergence:.3f}"
    )


def bench_compare(n: int, sk_n: int, dims: int, n_iter: int, jobs: int) -> None:
    from sklearn.decomposition import PCA

    x, _ = bench_tsne.make_mixture(n, dims, seed=0)
    x = PCA(50, random_state=0).fit_transform(x).astype(np.float32)
    (_, own_kl, _), ours, ours_cpu = timed(lambda: bench_tsne.run_opentsne(x, n_iter, jobs, 0))
    print(
        f"[compare] openTSNE (ours) on {n} x 50: {ours:.1f} s (cpu {ours_cpu:.1f} s), KL {own_kl:.3f}",
        flush=True,
    )
    xs = x[:sk_n]
    (_, sk_kl, _), sk, sk_cpu = timed(lambda: bench_tsne.run_sklearn(xs, n_iter, jobs, 0))
    print(
        f"[compare] scikit-learn TSNE on {sk_n} x 50: {sk:.1f} s (cpu {sk_cpu:.1f} s), KL {sk_kl:.3f}"
    )
    if sk_n == n:
        print(f"[compare] ratio (scikit-learn / openTSNE) at {n} points: {sk / ours:.1f}x measured")
    else:
        est = sk * (n * math.log(n)) / (sk_n * math.log(sk_n))
        print(
            f"[compare] ratio (scikit-learn / openTSNE) at {n} points: {est / ours:.1f}x "
            f"EXTRAPOLATED (scikit-learn measured at {sk_n}, scaled by n log n to {est:.0f} s)"
        )


def parse_ks(text: str) -> list[int]:
    from explorer.core.stats.clustering import parse_k_range

    return parse_k_range(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a few seconds")
    parser.add_argument("--parts", default=",".join(PARTS), help=f"any of {','.join(PARTS)}")
    parser.add_argument("--points", type=int, default=None, help="z-points (200000)")
    parser.add_argument("--dims", type=int, default=256, help="components (256)")
    parser.add_argument("--ks", default=None, help="k sweep (2:80:2)")
    parser.add_argument(
        "--kmeans-subset", type=int, default=None, help="full KMeans subset (20000)"
    )
    parser.add_argument("--full-ks", default=None, help="k for full KMeans (10,40,80)")
    parser.add_argument("--tsne-points", type=int, default=None, help="t-SNE points (140000)")
    parser.add_argument(
        "--compare-points", type=int, default=None, help="openTSNE vs sklearn (50000)"
    )
    parser.add_argument(
        "--sklearn-points", type=int, default=None, help="sklearn run size (= compare)"
    )
    parser.add_argument(
        "--iters", type=int, default=None, help="t-SNE normal-phase iterations (750)"
    )
    parser.add_argument("--jobs", type=int, default=None, help="threads (-1: all; quick: 1)")
    parser.add_argument("--repeats", type=int, default=None, help="histogram repeats (5)")
    args = parser.parse_args(argv)
    q = args.quick
    points = args.points or (3000 if q else 200_000)
    dims = args.dims if not q else min(args.dims, 64)
    ks = parse_ks(args.ks or ("2:4:2" if q else "2:80:2"))
    full_ks = parse_ks(args.full_ks or ("4" if q else "10,40,80"))
    subset = args.kmeans_subset or (1000 if q else 20_000)
    tsne_points = args.tsne_points or (300 if q else 140_000)
    compare = args.compare_points or (300 if q else 50_000)
    sk_points = min(args.sklearn_points or compare, compare)
    iters = args.iters or (30 if q else 750)
    repeats = args.repeats or (2 if q else 5)
    jobs = args.jobs or (1 if q else -1)
    if jobs == 1:  # tiny problems: extra threads only spin (and on a shared machine, thrash)
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    bad = set(parts) - set(PARTS)
    if bad:
        parser.error(f"unknown parts: {', '.join(sorted(bad))}")

    print(f"scale analyses: {points} x {dims} float32 N(0, 1){' (quick)' if q else ''}", flush=True)
    z = np.random.default_rng(0).standard_normal((points, dims), dtype=np.float32)
    if "hist" in parts:
        bench_hist(z, repeats)
    if "kmeans" in parts:
        bench_kmeans(z, ks, subset, full_ks)
    sys.stdout.flush()
    if "tsne" in parts:
        bench_tsne_full(tsne_points, dims, iters, jobs)
    sys.stdout.flush()
    if "compare" in parts:
        bench_compare(compare, sk_points, dims, iters, jobs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
