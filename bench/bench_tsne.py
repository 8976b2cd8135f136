"""Benchmark: our openTSNE-based ``tsne`` against scikit-learn's ``TSNE``.

Both embed the same Gaussian mixture (10 clusters, like MNIST encodings) with the same
perplexity (30), early exaggeration (12 for 250 iterations), total iterations, PCA
initialisation and number of threads; each library keeps its own default learning rate.
Reported per method: wall and CPU time (affinities + optimisation; on a shared machine the
CPU time is the steadier figure), the library's own final KL divergence, the exact KL
divergence of the embedding against one common ``P`` (the same yardstick for both) and the
10-NN cluster accuracy of the 2-D map.

openTSNE's larger learning rate converges in fewer iterations, so a third row compares at
equal KL: openTSNE run again, stopped at the first iteration (of its KL trace, every 10
iterations after early exaggeration) where its KL is at most scikit-learn's final KL.

Usage: ``python bench/bench_tsne.py [--quick] [--points N] [--dims D] [--iters I]``.
"""

from __future__ import annotations

import argparse
import inspect
import sys
import time
from pathlib import Path

import numpy as np

try:
    from explorer.core.stats.projection import tsne
except ImportError:  # run from a checkout without installing the package
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from explorer.core.stats.projection import tsne

PERPLEXITY = 30.0
EARLY_EXAGGERATION = 12.0
EARLY_EXAGGERATION_ITER = 250  # fixed in scikit-learn
N_CLUSTERS = 10


def make_mixture(n: int, dims: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian mixture of ``N_CLUSTERS`` clusters with unequal spreads in ``dims`` dims."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=3.0, size=(N_CLUSTERS, dims))
    spreads = rng.uniform(0.7, 1.5, size=N_CLUSTERS)
    labels = rng.integers(0, N_CLUSTERS, size=n)
    x = centres[labels] + rng.normal(size=(n, dims)) * spreads[labels, None]
    return x.astype(np.float32), labels


def run_opentsne(x: np.ndarray, n_iter: int, n_jobs: int, seed: int):
    """Our ``tsne`` (openTSNE); returns (embedding, own KL, KL trace)."""
    result = tsne(
        x,
        perplexity=PERPLEXITY,
        early_exaggeration=EARLY_EXAGGERATION,
        early_exaggeration_iter=EARLY_EXAGGERATION_ITER,
        n_iter=n_iter,
        pca_dims=None,
        seed=seed,
        n_jobs=n_jobs,
    )
    return result.embedding, result.kl_divergence, result.kl_trace


def iterations_to_reach(trace: list[tuple[int, float, float]], kl: float) -> int | None:
    """Normal-phase iterations after which the trace's KL is first at most ``kl``."""
    for iteration, _seconds, value in trace:
        if iteration > EARLY_EXAGGERATION_ITER and value <= kl:
            return iteration - EARLY_EXAGGERATION_ITER
    return None


def run_sklearn(x: np.ndarray, n_iter: int, n_jobs: int, seed: int):
    """scikit-learn Barnes-Hut t-SNE with the same settings; returns (embedding, own KL,
    an empty KL trace: scikit-learn reports none)."""
    from sklearn.manifold import TSNE

    total = EARLY_EXAGGERATION_ITER + n_iter
    iter_name = "max_iter" if "max_iter" in inspect.signature(TSNE).parameters else "n_iter"
    model = TSNE(
        n_components=2,
        perplexity=PERPLEXITY,
        early_exaggeration=EARLY_EXAGGERATION,
        learning_rate="auto",
        init="pca",
        method="barnes_hut",
        n_jobs=n_jobs,
        random_state=seed,
        **{iter_name: total},
    )
    embedding = model.fit_transform(x)
    return embedding, float(model.kl_divergence_), []


def common_affinities(x: np.ndarray, n_jobs: int, seed: int):
    """Symmetric joint probabilities P (sparse, sums to 1) from exact 90-NN, perplexity 30."""
    from openTSNE.affinity import PerplexityBasedNN

    aff = PerplexityBasedNN(
        x, perplexity=PERPLEXITY, method="exact", n_jobs=n_jobs, random_state=seed
    )
    return aff.P.tocoo()


def exact_kl(p, y: np.ndarray, chunk: int = 1000) -> float:
    """KL(P || Q) with the exact Student-t Q of embedding ``y`` (O(n^2), chunked)."""
    y = np.asarray(y, dtype=np.float64)
    sq = np.einsum("ij,ij->i", y, y)
    z_sum = 0.0
    for start in range(0, y.shape[0], chunk):
        block = y[start : start + chunk]
        d2 = np.maximum(sq[start : start + chunk, None] - 2.0 * block @ y.T + sq[None, :], 0.0)
        z_sum += float((1.0 / (1.0 + d2)).sum()) - block.shape[0]  # drop i == j terms
    mask = p.data > 0
    rows, cols, pij = p.row[mask], p.col[mask], p.data[mask]
    w = 1.0 / (1.0 + ((y[rows] - y[cols]) ** 2).sum(axis=1))
    return float(np.sum(pij * (np.log(pij) - np.log(w / z_sum))))


def knn_accuracy(y: np.ndarray, labels: np.ndarray, seed: int) -> float:
    """10-NN label accuracy in the 2-D map (held-out 20%)."""
    from sklearn.model_selection import train_test_split
    from sklearn.neighbors import KNeighborsClassifier

    y_tr, y_te, l_tr, l_te = train_test_split(y, labels, test_size=0.2, random_state=seed)
    return float(KNeighborsClassifier(10).fit(y_tr, l_tr).score(y_te, l_te))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small smoke run: 500 points, 50 normal-phase iterations",
    )
    parser.add_argument("--points", type=int, default=None, help="number of points (20000)")
    parser.add_argument("--dims", type=int, default=16, help="data dimensions (16)")
    parser.add_argument(
        "--iters",
        type=int,
        default=None,
        help="normal-phase iterations after the 250 exaggerated ones (750)",
    )
    parser.add_argument("--jobs", type=int, default=-1, help="threads for both (-1: all cores)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.points is None:
        args.points = 500 if args.quick else 20000
    if args.iters is None:
        args.iters = 50 if args.quick else 750
    return args


def main(argv: list[str] | None = None) -> int:
    """Run both t-SNE implementations and print a comparison table; returns 0."""
    args = parse_args(argv)
    x, labels = make_mixture(args.points, args.dims, args.seed)
    total = EARLY_EXAGGERATION_ITER + args.iters
    print(
        f"data: {args.points} points, {args.dims} dims, {N_CLUSTERS} clusters | perplexity "
        f"{PERPLEXITY:g}, early exaggeration {EARLY_EXAGGERATION:g} x {EARLY_EXAGGERATION_ITER} "
        f"it, {total} iterations in total, PCA init, n_jobs {args.jobs}",
        flush=True,
    )
    p = common_affinities(x, args.jobs, args.seed)
    rows = []

    def measure(name: str, run, n_iter: int) -> list:
        start, cpu_start = time.perf_counter(), time.process_time()
        y, own_kl, trace = run(x, n_iter, args.jobs, args.seed)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        quality = (exact_kl(p, y), knn_accuracy(y, labels, args.seed))
        rows.append((name, EARLY_EXAGGERATION_ITER + n_iter, seconds, cpu, own_kl, *quality))
        print(f"  finished {name} in {seconds:.1f} s (CPU {cpu:.1f} s)", flush=True)
        return trace

    trace = measure("openTSNE (ours)", run_opentsne, args.iters)
    measure("scikit-learn", run_sklearn, args.iters)
    sk_kl = rows[1][4]
    reached = iterations_to_reach(trace, sk_kl)
    if reached is not None:
        measure("openTSNE, equal KL", run_opentsne, reached)
    else:
        print(f"  openTSNE did not reach scikit-learn's KL {sk_kl:.4f} in {args.iters} iterations")
    print(
        f"{'method':<19} {'iters':>6} {'wall [s]':>9} {'CPU [s]':>9} {'KL (own)':>9} "
        f"{'KL (common P)':>14} {'10-NN acc':>10}"
    )
    for name, iters, seconds, cpu, own_kl, common_kl, acc in rows:
        print(
            f"{name:<19} {iters:>6} {seconds:>9.2f} {cpu:>9.2f} {own_kl:>9.4f} "
            f"{common_kl:>14.4f} {acc:>10.3f}"
        )
    sk = rows[1]
    for label, ours in zip(("same iterations", "equal KL"), rows[:1] + rows[2:], strict=False):
        print(
            f"time ratio (scikit-learn / openTSNE), {label}: {sk[2] / ours[2]:.2f}x wall, "
            f"{sk[3] / ours[3]:.2f}x CPU"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
