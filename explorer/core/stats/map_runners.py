"""How each map method maps checked codes to 2-D: the ``run`` of every
:class:`~explorer.core.stats.maps.MapMethod` (t-SNE with live frames, UMAP, PCA)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from explorer.core.progress import TaskState

FrameCallback = Callable[[np.ndarray, int], None]
Embedding = tuple[np.ndarray, dict[str, Any]]
"""A run's 2-D points and what it reports about itself (KL divergence, explained variance)."""


@dataclass(frozen=True)
class MapJob:
    """What a map method's ``run`` gets: the checked codes, its checked options (with the
    seed), the task's state, the callback of live frames and the threads it may use."""

    z: np.ndarray
    options: dict[str, Any]
    state: TaskState
    on_frame: FrameCallback | None = None
    n_jobs: int = 1


def run_tsne(job: MapJob) -> Embedding:
    from explorer.core.stats.projection import tsne

    options = job.options
    result = tsne(
        job.z,
        perplexity=options["perplexity"],
        n_iter=options["iterations"],
        pca_dims=0,  # done by project
        seed=0 if options.get("seed") is None else options["seed"],
        n_jobs=job.n_jobs,
        state=job.state,
        on_frame=job.on_frame,
    )
    keep = ("early_exaggeration", "early_exaggeration_iter", "neighbors", "gradient_method")
    extra = {k: result.params[k] for k in keep}
    return result.embedding, {**extra, "kl_divergence": result.kl_divergence}


def run_umap(job: MapJob) -> Embedding:
    from explorer.core.stats.umap_map import umap_layout

    options = job.options
    return umap_layout(
        job.z,
        neighbors=options["neighbors"],
        min_dist=options["min_dist"],
        metric=options["metric"],
        seed=options.get("seed"),
        state=job.state,
        n_jobs=job.n_jobs,
    )


def run_pca(job: MapJob) -> Embedding:
    """The scores on the first two principal components (one column of zeros for 1-D codes)."""
    from sklearn.decomposition import PCA

    z, state = job.z, job.state
    state.set_progress(0.0, "PCA: first two principal components")
    k = min(2, z.shape[1], z.shape[0])
    pca = PCA(n_components=k, random_state=job.options.get("seed"))
    scores = pca.fit_transform(z)
    xy = np.zeros((z.shape[0], 2), dtype=np.float32)
    xy[:, :k] = scores
    state.set_progress(1.0, "PCA: done")
    ratios = [float(v) for v in pca.explained_variance_ratio_]
    return xy, {"explained_variance_ratio": ratios}
