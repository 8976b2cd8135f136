"""Every analysis of one model's encodings in one call (used by ``analyze``, ``compare`` and
the window): radius and component statistics, hit rates and expected radii of samplers, VAE
diagnostics, PCA, k-means inertia and a 2-D map (t-SNE, UMAP or PCA), with progress and cancel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from explorer.core.latent.encodings import Encodings
from explorer.core.latent.sampling import sample
from explorer.core.progress import TaskState, ensure_state
from explorer.core.stats.clustering import KMeansSweep, kmeans_inertia
from explorer.core.stats.components import ComponentStats, component_stats, correlation
from explorer.core.stats.histograms import (
    ComponentHistograms,
    Histogram,
    component_histograms,
    radius,
    radius_histogram,
)
from explorer.core.stats.hits import expected_radius, hit_rate
from explorer.core.stats.maps import MapResult, fitted_options, map_codes, project
from explorer.core.stats.projection import TSNEResult, pca_explained_variance
from explorer.core.stats.vae_diagnostics import vae_diagnostics

# The samplers whose hit rate is tried by default: the seeds' standard normal and uniform
# sampling with a small and the seeds' large limit b.
# (name, sampler, its parameters)
DEFAULT_HIT_SAMPLERS: list[tuple[str, str, dict[str, Any]]] = [
    ("normal", "normal", {"std": 1.0}),
    ("uniform_b2", "uniform", {"limit": 2.0}),
    ("uniform_b12", "uniform", {"limit": 12.0}),
]


@dataclass
class AnalysisOptions:
    hit_samplers: list[tuple[str, str, dict[str, Any]]] = field(
        default_factory=lambda: list(DEFAULT_HIT_SAMPLERS)
    )
    n_samples: int = 2000
    hit_k: float = 3.0
    radius_bin_width: float = 0.5
    component_bins: int = 100
    kmeans_ks: list[int] | None = None
    tsne_points: int = 0  # points of the 2-D map (0: none), whatever its method
    projection: str = "tsne"  # the map's method: tsne, umap or pca (explorer.core.stats.maps)
    tsne_perplexity: float = 30.0
    tsne_iterations: int = 500
    seed: int = 0


@dataclass
class Analysis:
    """``summary`` is plain JSON; the other fields keep arrays for the plots."""

    summary: dict[str, Any]
    radius_hist: Histogram
    component_hist: ComponentHistograms
    stats: ComponentStats
    sample_radius: dict[str, np.ndarray] = field(default_factory=dict)
    correlation: tuple[np.ndarray, float, int, int] | None = None
    kmeans: KMeansSweep | None = None
    tsne: TSNEResult | None = None  # when the map is a t-SNE one (report.py draws it)
    tsne_labels: np.ndarray | None = None  # the labels of the map's points, any method
    map: MapResult | None = None
    pca_ratios: np.ndarray | None = None


def analyze(
    enc: Encodings, options: AnalysisOptions | None = None, state: TaskState | None = None
) -> Analysis:
    """Analyse ``enc`` (z-points of one model on one data set)."""
    options = options or AnalysisOptions()
    state = ensure_state(state)
    z = np.asarray(enc.z, dtype=np.float32)
    n, z_dim = z.shape
    heavy = bool(options.kmeans_ks) + bool(options.tsne_points)
    light_end = 0.3 if heavy else 1.0
    state.set_progress(0.0, "radius and components")
    r = radius(z)
    rh = radius_histogram(r, options.radius_bin_width)
    ch = component_histograms(z, options.component_bins, state=state.sub(0.0, light_end * 0.4))
    stats = component_stats(
        z, options.component_bins, state=state.sub(light_end * 0.4, light_end * 0.6)
    )
    state.check()
    summary = _summary(enc, z, r, rh, stats)
    sample_radius = _hit_rates(summary, z, stats, options)
    if enc.mu is not None and enc.logvar is not None:
        summary["vae"] = vae_diagnostics(enc.mu, enc.logvar, z)
    ratios = pca_explained_variance(z)
    summary["pca_explained_variance"] = [float(v) for v in ratios]
    corr = _correlation(summary, z, stats, options.seed) if z_dim >= 2 else None
    state.set_progress(light_end, "statistics done")
    result = Analysis(summary, rh, ch, stats, sample_radius, corr, pca_ratios=ratios)
    step = (1.0 - light_end) / max(heavy, 1)
    pos = light_end
    if options.kmeans_ks:
        ks = [k for k in options.kmeans_ks if k <= n]
        result.kmeans = kmeans_inertia(
            z, ks, seed=options.seed, state=state.sub(pos, pos + step, "k-means: ")
        )
        summary["kmeans"] = result.kmeans.to_dict()
        pos += step
    if options.tsne_points:
        _add_map(result, enc, options, state.sub(pos, 1.0))
    state.set_progress(1.0, "analysis done")
    return result


def _summary(
    enc: Encodings, z: np.ndarray, r: np.ndarray, rh: Histogram, stats: ComponentStats
) -> dict[str, Any]:
    n, z_dim = z.shape
    return {
        "n_points": int(n),
        "z_dim": int(z_dim),
        "kind": enc.kind,
        "model": enc.model_name,
        "dataset": enc.dataset_name,
        "radius": {
            "mean": float(r.mean()),
            "std": float(r.std()),
            "min": float(r.min()),
            "max": float(r.max()),
            "histogram": {"edges": rh.edges.tolist(), "counts": rh.counts.tolist()},
        },
        "components": stats.to_dict(),
    }


def _hit_rates(
    summary: dict, z: np.ndarray, stats: ComponentStats, options: AnalysisOptions
) -> dict[str, np.ndarray]:
    """Hit rates and expected radii of the samplers into ``summary``; the radii drawn."""
    hits, expected, sample_radius = {}, {}, {}
    z_dim = z.shape[1]
    for name, sampler, params in options.hit_samplers:
        s = sample(sampler, options.n_samples, z_dim, seed=options.seed, **params)
        hits[name] = {"sampler": sampler, **params, **hit_rate(s.z, z, options.hit_k, stats)}
        exp = expected_radius(sampler, z_dim, **params)
        if exp is not None:
            sr = radius(s.z)
            expected[name] = {
                **exp,
                "measured_mean": float(sr.mean()),
                "measured_std": float(sr.std()),
            }
            sample_radius[name] = sr
    summary["hit_rate"] = hits
    summary["expected_radius"] = expected
    return sample_radius


def _correlation(
    summary: dict, z: np.ndarray, stats: ComponentStats, seed: int
) -> tuple[np.ndarray, float, int, int]:
    """The two leading components' scatter and Pearson r (into ``summary``)."""
    order = list(stats.dominant) or list(np.argsort(-np.asarray(stats.std)))
    extra = [j for j in np.argsort(-np.asarray(stats.std)) if j not in order[:1]]
    i, j = int(order[0]), int((order[1:] or extra)[0])
    points, rr = correlation(z, i, j, seed=seed)
    summary["correlation"] = {"i": i, "j": j, "pearson_r": float(rr)}
    return points, rr, i, j


def analysis_map_options(options: AnalysisOptions, n_points: int) -> dict[str, Any]:
    """The map method's options of an analysis of ``n_points`` points (a perplexity too
    large for them is lowered: a small map rather than none)."""
    given = {}
    if options.projection == "tsne":
        given = {"perplexity": options.tsne_perplexity, "iterations": options.tsne_iterations}
    return fitted_options(options.projection, n_points, given)


def _add_map(result: Analysis, enc: Encodings, options: AnalysisOptions, state: TaskState) -> None:
    """The 2-D map of ``options.tsne_points`` codes (a VAE's means) into ``result``; a t-SNE
    one also as ``result.tsne`` and the summary's ``"tsne"`` block, as before UMAP."""
    codes = np.asarray(map_codes(enc), dtype=np.float32)
    n = min(options.tsne_points, len(codes))
    extra = analysis_map_options(options, n)
    m = project(
        codes,
        options.projection,
        points=options.tsne_points,
        seed=options.seed,
        labels=enc.labels,
        state=state,
        **extra,
    )
    result.map = m
    result.tsne_labels = m.labels
    result.summary["map"] = {
        "method": m.method,
        "points": int(len(m.rows)),
        "codes": "mu" if enc.mu is not None else "z",
        "params": m.params,
    }
    if m.method != "tsne":
        return
    p = m.params
    result.tsne = TSNEResult(embedding=m.xy, kl_divergence=p["kl_divergence"], params=p)
    old = ("early_exaggeration", "early_exaggeration_iter", "seed", "neighbors", "gradient_method")
    result.summary["tsne"] = {
        "n_points": int(len(m.rows)),
        "kl_divergence": float(p["kl_divergence"]),
        "perplexity": p["perplexity"],
        "n_iter": p["iterations"],
        **{k: p[k] for k in old if isinstance(p.get(k), (int, float, str))},
        **({"pca_dims": p["pca_dims"]} if p["pca_dims"] else {}),
        "initialization": "pca",
    }
