"""Write the figures of an :class:`~explorer.core.stats.analysis.Analysis` (and of a comparison)
to a folder, in PNG and optionally SVG and PDF."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from explorer.core.output import plots
from explorer.core.stats.analysis import Analysis
from explorer.core.stats.maps import MAP_METHODS
from explorer.core.util.export import save_figure

PLOT_FORMATS = ("png", "svg", "pdf")
ANALYSIS_STEMS = (
    "radius", "components", "component_curve", "pca_variance", "correlation",
    "kmeans_inertia", "pca_map", "tsne", "umap",
)  # fmt: skip
"""The plots :func:`write_analysis_plots` may write (each in any of :data:`PLOT_FORMATS`)."""


def analysis_files() -> tuple[str, ...]:
    """Every file name of an analysis's output set (a plot of an earlier run with another
    map or format goes when the new set comes)."""
    plots = [f"{stem}.{fmt}" for stem in ANALYSIS_STEMS for fmt in PLOT_FORMATS]
    return (*plots, "summary.json")


def _save(fig: Figure, out: Path, stem: str, formats: Sequence[str]) -> list[Path]:
    return [save_figure(fig, out / f"{stem}.{fmt}") for fmt in formats]


def radius_series(a: Analysis, label: str, with_samples: bool = True) -> tuple[list, list]:
    series = [(label, a.radius_hist.edges, a.radius_hist.counts)]
    expected = []
    if with_samples:
        for name, exp in a.summary["expected_radius"].items():
            expected.append((f"expected {name}", exp["mean"], exp["std"]))
    return series, expected


def write_analysis_plots(
    a: Analysis, out: str | Path, formats: Sequence[str] = ("png",)
) -> list[Path]:
    """Every plot of one analysis; returns the files written."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    s = a.summary
    title = f"{s['model']} on {s['dataset']}"
    written: list[Path] = []

    fig = plots.new_figure(7, 4)
    series, expected = radius_series(a, "encoded data")
    ax = fig.add_subplot()
    plots.draw_radius_histograms(ax, series, expected)
    ax.set_title(f"Radius of z-points: {title}")
    written += _save(fig, out, "radius", formats)

    fig = plots.new_figure(7, 5)
    ax = fig.add_subplot()
    image = plots.draw_component_heatmap(
        ax, a.component_hist.edges, a.component_hist.counts, list(a.stats.dominant)
    )
    fig.colorbar(image, ax=ax, label="points per bin")
    ax.set_title(f"Per-component histograms: {title}")
    written += _save(fig, out, "components", formats)

    j = int(list(a.stats.dominant)[0]) if len(a.stats.dominant) else int(np.argmax(a.stats.std))
    fig = plots.new_figure(6, 4)
    plots.draw_component_curve(
        fig.add_subplot(),
        a.component_hist.edges,
        a.component_hist.counts[j],
        float(a.stats.mean[j]),
        float(a.stats.half_width[j]),
        f"component {j}",
    )
    written += _save(fig, out, "component_curve", formats)

    if a.pca_ratios is not None:
        fig = plots.new_figure(6, 4)
        plots.draw_pca_variance(fig.add_subplot(), a.pca_ratios)
        written += _save(fig, out, "pca_variance", formats)
    if a.correlation is not None:
        points, r, i, k = a.correlation
        fig = plots.new_figure(5, 5)
        plots.draw_correlation(fig.add_subplot(), points, r, i, k)
        written += _save(fig, out, "correlation", formats)
    if a.kmeans is not None:
        fig = plots.new_figure(6, 4)
        plots.draw_kmeans_inertia(fig.add_subplot(), a.kmeans.k, a.kmeans.inertia)
        written += _save(fig, out, "kmeans_inertia", formats)
    if a.map is not None:  # t-SNE: tsne.png (as before UMAP), UMAP: umap.png, PCA: pca_map.png
        m = a.map
        fig = plots.new_figure(7, 6)
        labels = m.labels if m.labels is not None and np.ndim(m.labels) == 1 else None
        ax = fig.add_subplot()
        plots.draw_map(ax, m.xy, labels, s.get("label_names"), m.method)
        name = MAP_METHODS[m.method].label
        ax.set_title(f"{name} map of {len(m.xy)} z-points: {title}")
        written += _save(fig, out, {"pca": "pca_map"}.get(m.method, m.method), formats)
    return written


def write_radius_overlay(
    analyses: dict[str, Analysis],
    out: str | Path,
    expected: list | None = None,
    formats: Sequence[str] = ("png",),
    stem: str = "radius_overlay",
) -> list[Path]:
    """Overlaid radius histograms of several models' encodings (AE vs VAE vs tiny-KL VAE)."""
    fig = plots.new_figure(7, 4)
    series = [(label, a.radius_hist.edges, a.radius_hist.counts) for label, a in analyses.items()]
    ax = fig.add_subplot()
    plots.draw_radius_histograms(ax, series, expected or [])
    ax.set_title("Radius of encoded z-points")
    return _save(fig, Path(out), stem, formats)
