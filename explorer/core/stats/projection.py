"""Linear and non-linear projections of latent codes: PCA spectra and 2-D t-SNE maps.

t-SNE uses openTSNE (Barnes-Hut below 10 000 points, FFT-accelerated interpolation above,
chosen by openTSNE's ``"auto"``), which is several times faster than scikit-learn's.
Neighbours are found exactly (scikit-learn, brute force / trees) for the small-to-medium
inputs typical of latent codes, where that is 2-4x faster than openTSNE's default Annoy
index, and approximately (Annoy) beyond ``EXACT_KNN_MAX_SIZE`` values.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from explorer.core.errors import Cancelled, InvalidParameter
from explorer.core.progress import TaskState, ensure_state
from explorer.core.stats.points import as_points

MIN_TSNE_POINTS = 5
AFFINITY_SHARE = 0.1  # fraction of the progress bar given to the affinity computation
CALLBACK_EVERY = 10  # iterations between progress / cancel checks during optimisation
FRAME_EVERY = 50  # iterations between live frames (``on_frame``) of a t-SNE map
# Exact kNN costs ~n^2 * dim, Annoy ~n; measured break-even near n * dim = 2e6 (2 cores).
EXACT_KNN_MAX_SIZE = 2_000_000


@dataclass
class TSNEResult:
    """A 2-D t-SNE embedding, its final KL divergence and the parameters actually used."""

    embedding: np.ndarray
    kl_divergence: float
    params: dict[str, Any] = field(default_factory=dict)
    # (iteration, seconds since the start of the call, KL) every ``CALLBACK_EVERY``
    # iterations: how fast the map converges (the benchmark compares at equal KL with it).
    kl_trace: list[tuple[int, float, float]] = field(default_factory=list)


def pca_explained_variance(z: np.ndarray, n_components: int | None = None) -> np.ndarray:
    """Explained-variance ratio of each principal component of ``z``.

    Parameters
    ----------
    z
        Codes, shape ``(n_points, dim)`` with ``n_points >= 2``.
    n_components
        Number of leading components (default: all, ``min(n_points, dim)``).

    Returns
    -------
    np.ndarray
        Ratios in decreasing order; they sum to at most 1.
    """
    from sklearn.decomposition import PCA

    z = as_points(z, min_points=2)
    max_components = min(z.shape)
    if n_components is None:
        n_components = max_components
    if not 1 <= int(n_components) <= max_components:
        raise InvalidParameter(
            f"n_components must be between 1 and {max_components} (got {n_components})."
        )
    pca = PCA(n_components=int(n_components)).fit(z)
    return np.asarray(pca.explained_variance_ratio_, dtype=np.float64)


def tsne(
    z: np.ndarray,
    perplexity: float = 30.0,
    early_exaggeration: float = 12.0,
    n_iter: int = 750,
    pca_dims: int | None = 50,
    seed: int = 0,
    n_jobs: int = -1,
    state: TaskState | None = None,
    early_exaggeration_iter: int = 250,
    on_frame: Callable[[np.ndarray, int], None] | None = None,
) -> TSNEResult:
    """Embed ``z`` in 2-D with openTSNE.

    Parameters
    ----------
    z
        Codes, shape ``(n_points, dim)``, at least 5 points.
    perplexity
        Effective number of neighbours; ``0 < perplexity < n_points / 3``.
    early_exaggeration
        Attraction factor of the early exaggeration phase.
    n_iter
        Iterations of the normal phase (after ``early_exaggeration_iter`` exaggerated ones).
    pca_dims
        Reduce to this many principal components first, only when ``dim > pca_dims``;
        ``None`` or 0 disables it.
    seed
        Random seed (PCA initialisation, neighbour search).
    n_jobs
        Threads; -1 means all cores.
    state
        Progress covers the affinities, then both optimisation phases; a stop request is
        honoured every few iterations.
    early_exaggeration_iter
        Iterations of the early exaggeration phase (openTSNE's default 250).
    on_frame
        Live map: called with a float32 copy of the embedding and the iteration done, first
        with the PCA initialisation (iteration 0), then at the first progress callback and
        every ``FRAME_EVERY`` iterations. A stop requested from it is honoured at once.

    Raises
    ------
    InvalidParameter
        Bad data or parameters.
    Cancelled
        A stop was requested.
    """
    from openTSNE import TSNE, initialization

    started = time.perf_counter()
    state = ensure_state(state)
    z = as_points(z, min_points=MIN_TSNE_POINTS)
    n_points = z.shape[0]
    _check_tsne_params(n_points, perplexity, early_exaggeration, n_iter, early_exaggeration_iter)
    if pca_dims is not None and pca_dims < 0:
        raise InvalidParameter(f"pca_dims must be None, 0 or positive (got {pca_dims}).")
    dims = int(pca_dims or 0)  # 0: no PCA
    used_pca = bool(dims) and z.shape[1] > dims
    if used_pca:
        state.set_progress(0.0, f"t-SNE: PCA to {dims} dimensions")
        z = pca_reduce(z, dims, seed)
    state.check()

    state.set_progress(0.0, f"t-SNE: computing affinities of {n_points} points")
    neighbors = "exact" if n_points * z.shape[1] <= EXACT_KNN_MAX_SIZE else "annoy"
    progress = _ProgressCallback(
        state, early_exaggeration_iter + n_iter, started, on_frame, early=early_exaggeration_iter
    )
    model = TSNE(
        n_components=2,
        perplexity=float(perplexity),
        early_exaggeration=float(early_exaggeration),
        early_exaggeration_iter=int(early_exaggeration_iter),
        n_iter=int(n_iter),
        initialization="pca",
        neighbors=neighbors,
        negative_gradient_method="auto",
        n_jobs=int(n_jobs),
        random_state=int(seed),
        callbacks=progress,
        callbacks_every_iters=CALLBACK_EVERY,
    )
    # openTSNE's own PCA initialisation, made before the affinities (the slow part) so that
    # a live map shows its first frame at once; the same array openTSNE would make itself
    start = initialization.pca(z, 2, random_state=int(seed))
    if on_frame is not None:
        on_frame(np.array(start, dtype=np.float32, copy=True), 0)
    state.check()
    embedding = model.prepare_initial(z, initialization=start)
    state.check()
    state.set_progress(AFFINITY_SHARE, "t-SNE: optimising")
    _optimise(embedding, model, progress)
    state.set_progress(1.0, "t-SNE: done")
    params = {
        "n_points": n_points,
        "perplexity": float(perplexity),
        "early_exaggeration": float(early_exaggeration),
        "early_exaggeration_iter": int(early_exaggeration_iter),
        "n_iter": int(n_iter),
        "pca_dims": int(z.shape[1]) if used_pca else None,
        "seed": int(seed),
        "neighbors": neighbors,
        "gradient_method": "bh" if n_points < 10_000 else "fft",
        "initialization": "pca",
    }
    return TSNEResult(
        embedding=np.asarray(embedding, dtype=np.float32).copy(),
        kl_divergence=float(embedding.kl_divergence),
        params=params,
        kl_trace=progress.trace,
    )


def _optimise(embedding: Any, model: Any, progress: _ProgressCallback) -> None:
    """Run the early exaggeration and normal phases in place, as ``openTSNE.TSNE.fit`` does.

    Raises :class:`Cancelled` when the progress callback asked openTSNE to stop.
    """
    from openTSNE.tsne import OptimizationInterrupt

    try:
        if model.early_exaggeration_iter > 0:
            embedding.optimize(
                n_iter=model.early_exaggeration_iter,
                exaggeration=model.early_exaggeration,
                momentum=model.initial_momentum,
                inplace=True,
                propagate_exception=True,
            )
        progress.offset = model.early_exaggeration_iter
        embedding.optimize(
            n_iter=model.n_iter,
            momentum=model.final_momentum,
            inplace=True,
            propagate_exception=True,
        )
    except OptimizationInterrupt:
        raise Cancelled() from None


class _ProgressCallback:
    """openTSNE callback: reports progress and returns True (stop) once a stop is requested."""

    def __init__(
        self,
        state: TaskState,
        total_iter: int,
        started: float,
        on_frame: Callable[[np.ndarray, int], None] | None = None,
        early: int = 0,
    ) -> None:
        self.state = state
        self.total_iter = max(total_iter, 1)
        self.early = early  # early-exaggeration iterations, counted apart in the message
        self.offset = 0
        self.started = started
        self.trace: list[tuple[int, float, float]] = []
        self.on_frame = on_frame
        self.frames = 0

    def __call__(self, iteration: int, error: float, embedding: np.ndarray) -> bool:
        done = self.offset + iteration
        self.trace.append((done, time.perf_counter() - self.started, float(error)))
        fraction = AFFINITY_SHARE + (1.0 - AFFINITY_SHARE) * done / self.total_iter
        # as the options say it: the early-exaggeration phase, then "iterations" of the rest
        if done <= self.early and self.offset == 0:
            phase = f"early exaggeration {done}/{self.early}"
        else:
            phase = f"iteration {done - self.early}/{self.total_iter - self.early}"
        self.state.set_progress(fraction, f"t-SNE: {phase}, KL {error:.3f}")
        if self.on_frame is not None and (self.frames == 0 or done % FRAME_EVERY == 0):
            self.frames += 1
            self.on_frame(np.array(embedding, dtype=np.float32, copy=True), done)
        return self.state.stop_requested


def _check_tsne_params(
    n_points: int, perplexity: float, early_exaggeration: float, n_iter: int, ee_iter: int
) -> None:
    if not 0 < perplexity < n_points / 3:
        raise InvalidParameter(
            f"Perplexity must be above 0 and below a third of the number of points "
            f"({n_points / 3:.1f} for {n_points} points); got {perplexity}."
        )
    if not early_exaggeration > 0:
        raise InvalidParameter(f"Early exaggeration must be positive (got {early_exaggeration}).")
    if int(n_iter) != n_iter or n_iter < 1:
        raise InvalidParameter(f"The number of iterations must be at least 1 (got {n_iter}).")
    if int(ee_iter) != ee_iter or ee_iter < 0:
        raise InvalidParameter(f"Early exaggeration iterations must be 0 or more (got {ee_iter}).")


def pca_reduce(z: np.ndarray, dims: int, seed: int | None) -> np.ndarray:
    """``z`` on its first ``dims`` principal components (at most as many as points)."""
    from sklearn.decomposition import PCA

    dims = min(dims, z.shape[0])
    return PCA(n_components=dims, random_state=seed).fit_transform(z)
