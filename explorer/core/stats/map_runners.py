"""How each map method maps checked codes to 2-D: the ``run`` of every
:class:`~explorer.core.stats.maps.MapMethod` (t-SNE with live frames, UMAP, PCA)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from explorer.core.progress import TaskState

FrameCallback = Callable[[np.ndarray, int], None]


def run_tsne(
    z: np.ndarray,
    options: dict[str, Any],
    state: TaskState,
    on_frame: FrameCallback | None,
    n_jobs: int,
) -> tuple[np.ndarray, dict[str, Any]]:
    from explorer.core.stats.projection import tsne

    result = tsne(
        z,
        perplexity=options["perplexity"],
        n_iter=options["iterations"],
        pca_dims=0,  # done by project
        seed=0 if options.get("seed") is None else options["seed"],
        n_jobs=n_jobs,
        state=state,
        on_frame=on_frame,
    )
    keep = ("early_exaggeration", "early_exaggeration_iter", "neighbors", "gradient_method")
    extra = {k: result.params[k] for k in keep}
    return result.embedding, {**extra, "kl_divergence": result.kl_divergence}


def run_umap(
    z: np.ndarray,
    options: dict[str, Any],
    state: TaskState,
    on_frame: FrameCallback | None,
    n_jobs: int,
) -> tuple[np.ndarray, dict[str, Any]]:
    from explorer.core.stats.umap_map import umap_layout

    return umap_layout(
        z,
        neighbors=options["neighbors"],
        min_dist=options["min_dist"],
        metric=options["metric"],
        seed=options.get("seed"),
        state=state,
        n_jobs=n_jobs,
    )


def run_pca(
    z: np.ndarray,
    options: dict[str, Any],
    state: TaskState,
    on_frame: FrameCallback | None,
    n_jobs: int,
) -> tuple[np.ndarray, dict[str, Any]]:
    """The scores on the first two principal components (one column of zeros for 1-D codes)."""
    from sklearn.decomposition import PCA

    state.set_progress(0.0, "PCA: first two principal components")
    k = min(2, z.shape[1], z.shape[0])
    pca = PCA(n_components=k, random_state=options.get("seed"))
    scores = pca.fit_transform(z)
    xy = np.zeros((z.shape[0], 2), dtype=np.float32)
    xy[:, :k] = scores
    state.set_progress(1.0, "PCA: done")
    ratios = [float(v) for v in pca.explained_variance_ratio_]
    return xy, {"explained_variance_ratio": ratios}
