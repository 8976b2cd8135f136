"""2-D UMAP maps of latent codes (umap-learn), set up to be quick on small and large inputs.

umap-learn's defaults are slow here (measured on 2 cores): below 4096 points it computes all
pairwise distances through a Python-level metric (5 s for 2000 points), its spectral
initialisation of clustered (disconnected) data takes a slow path, and pynndescent's numba
compilation costs 30-50 s in every fresh process. So the neighbours are found here, exactly
(scikit-learn) up to ``EXACT_KNN_MAX_SIZE`` values and with openTSNE's Annoy index beyond (no
compilation), and handed to UMAP as ``precomputed_knn`` with a PCA initialisation: 2000
points in about 2 s, 20 000 in about 9 s, plus about 7 s of numba compilation on the first
map of a process.

umap-learn reports no epochs while it optimises, so a UMAP map has no live preview and a stop
request is honoured between the steps only (in a child process it kills the child at once).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from explorer.core.progress import TaskState, ensure_state
from explorer.core.stats.projection import EXACT_KNN_MAX_SIZE

METRICS = ("euclidean", "cosine", "manhattan")
OPTIMISING = "UMAP: optimising the layout (no live preview: umap-learn reports no epochs)"


def nearest_neighbors(
    z: np.ndarray, k: int, metric: str = "euclidean", seed: int | None = 0, n_jobs: int = -1
) -> tuple[np.ndarray, np.ndarray, str]:
    """The ``k`` nearest neighbours of every row of ``z``, the row itself first (as UMAP
    expects): ``(indices (n, k) int64, distances (n, k) float32, "exact" or "annoy")``."""
    n, dim = z.shape
    if n * dim <= EXACT_KNN_MAX_SIZE:
        from sklearn.neighbors import NearestNeighbors

        nn = NearestNeighbors(n_neighbors=k, metric=metric, n_jobs=n_jobs).fit(z)
        distances, indices = nn.kneighbors(z)
        return indices.astype(np.int64), distances.astype(np.float32), "exact"
    from openTSNE.nearest_neighbors import Annoy

    index = Annoy(z, k - 1, metric=metric, n_jobs=n_jobs, random_state=seed)
    indices, distances = index.build()
    if metric == "cosine":  # Annoy's angular distance sqrt(2 (1 - cos)) -> 1 - cos
        distances = distances**2 / 2.0
    own = np.arange(n, dtype=np.int64)[:, None]
    indices = np.hstack([own, np.asarray(indices, dtype=np.int64)])
    distances = np.hstack([np.zeros((n, 1)), distances]).astype(np.float32)
    return indices, distances, "annoy"


def umap_layout(
    z: np.ndarray,
    neighbors: int = 15,
    min_dist: float = 0.1,
    metric: str = "euclidean",
    seed: int | None = 0,
    state: TaskState | None = None,
    n_jobs: int = -1,
) -> tuple[np.ndarray, dict[str, Any]]:
    """UMAP of ``z`` (checked codes, ``neighbors < n``) in 2-D: ``(xy float32 (n, 2), the
    parameters used)``. A ``seed`` makes the map reproducible but UMAP single-threaded;
    ``None`` lets it use every core."""
    state = ensure_state(state)
    z = np.ascontiguousarray(z, dtype=np.float32)
    n = z.shape[0]
    state.set_progress(0.05, f"UMAP: {neighbors} nearest neighbours of {n} points")
    indices, distances, how = nearest_neighbors(z, int(neighbors), metric, seed, n_jobs)
    state.check()
    state.set_progress(0.3, OPTIMISING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # umap / numba / pynndescent chatter
        import umap

        model = umap.UMAP(
            n_neighbors=int(neighbors),
            min_dist=float(min_dist),
            metric=metric,
            init="pca",
            precomputed_knn=(indices, distances, None),
            n_epochs=None,
            verbose=False,
            **({"random_state": int(seed)} if seed is not None else {"n_jobs": n_jobs}),
        )
        xy = model.fit_transform(z)
    state.check()
    state.set_progress(1.0, "UMAP: done")
    return np.asarray(xy, dtype=np.float32), {"knn": how, "init": "pca"}
