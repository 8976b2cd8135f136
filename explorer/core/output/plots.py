"""Matplotlib plots of latent-space analyses, drawn into a given ``Axes``.

Every ``draw_*`` function draws into an existing :class:`matplotlib.axes.Axes`, so the window
(its plot renderer thread, Agg) and the command line (:func:`new_figure`, Agg) share them.
They take plain numpy arrays and lists, never the result classes of the analysis modules.
Colours come from the colour-blind friendly ``tab10`` palette; images and heatmaps use
``viridis``/grey.

No pyplot and no GUI backend are imported here. A draw function that adds a colorbar
(:func:`draw_map` with many classes) takes room from its axes: redraw on a cleared figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import numpy as np
import numpy.typing as npt
from matplotlib import colormaps
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection
from matplotlib.colors import ListedColormap, LogNorm
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.ticker import MaxNLocator, PercentFormatter

from explorer.core.errors import InvalidParameter

# tab10 is a ListedColormap of (r, g, b) tuples (its ``colors`` are typed as any colour input)
_TAB10 = cast(ListedColormap, colormaps["tab10"])
COLORS: tuple = tuple(cast(Sequence, _TAB10.colors))
MAX_DOMINANT_LABELS = 32  # dominant components are also named on the right axis up to this


def new_figure(width_in: float = 6.4, height_in: float = 4.8, dpi: float = 100) -> Figure:
    """A figure with an Agg canvas and constrained layout (labels and legends never overlap)."""
    fig = Figure(figsize=(width_in, height_in), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def color(index: int) -> tuple:
    """The ``index``-th colour of the ``tab10`` palette (cycling)."""
    return COLORS[index % len(COLORS)]


def _style(ax: Axes, title: str, xlabel: str, ylabel: str) -> None:
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.3, linewidth=0.6)
    ax.set_axisbelow(True)


def _edges_counts(edges: npt.ArrayLike, counts: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    edges = np.asarray(edges, dtype=np.float64)
    counts = np.asarray(counts, dtype=np.float64)
    if edges.ndim != 1 or counts.ndim != 1 or edges.size != counts.size + 1:
        raise InvalidParameter(
            f"histogram needs edges (bins + 1,) and counts (bins,), got {edges.shape} and {counts.shape}"
        )
    return edges, counts


def _density(edges: np.ndarray, counts: np.ndarray) -> np.ndarray:
    total = counts.sum()
    if total <= 0:
        return np.zeros_like(counts)
    return counts / (total * np.diff(edges))


def draw_radius_histograms(
    ax: Axes,
    series: Sequence[tuple[str, npt.ArrayLike, npt.ArrayLike]],
    expected: Sequence[tuple[str, float, float]] | None = None,
    density: bool = True,
) -> None:
    """Overlaid step histograms of radii, with expected radii as lines and +-std bands.

    Parameters
    ----------
    series : ``(label, edges, counts)`` per set, e.g. ``("A: encoded data", edges, counts)``.
    expected : ``(label, mean, std)`` per expected radius (e.g. of N(0, I) samples).
    density : normalise every histogram to unit area (sets of different sizes compare).
    """
    for index, (label, series_edges, series_counts) in enumerate(series):
        edges, counts = _edges_counts(series_edges, series_counts)
        values = _density(edges, counts) if density else counts
        ax.stairs(values, edges, label=label, color=color(index), linewidth=1.6)
        ax.stairs(values, edges, color=color(index), fill=True, alpha=0.12, linewidth=0)
    offset = len(series)
    for index, (label, mean, std) in enumerate(expected or ()):
        c = color(offset + index)
        ax.axvspan(mean - std, mean + std, color=c, alpha=0.15, linewidth=0)
        ax.axvline(
            mean, color=c, linestyle="--", linewidth=1.4, label=f"{label}: {mean:.2f} ± {std:.2f}"
        )
    ax.set_ylim(bottom=0)
    ylabel = "density (per unit radius)" if density else "count (z-points per bin)"
    _style(ax, "Radius of z-points", "radius |z| (latent units)", ylabel)
    if series or expected:
        ax.legend(fontsize="small")


def draw_component_heatmap(
    ax: Axes, edges: npt.ArrayLike, counts: npt.ArrayLike, dominant: Sequence[int] | None = None
) -> AxesImage:
    """All components' histograms as one image, dominant components marked on the right.

    Row ``j`` is the histogram of component ``j`` (component 0 at the bottom). Colours follow a
    logarithmic scale so single counts in the tails stay visible; empty bins are white.
    Dominant components get a red triangle on the right edge (a line labelled
    ``"dominant components"``) and, up to :data:`MAX_DOMINANT_LABELS`, their index as a tick.

    Returns
    -------
    The image, for ``fig.colorbar(image, ax=ax, label="count")``.
    """
    edges = np.asarray(edges, dtype=np.float64)
    counts = np.asarray(counts)
    if counts.ndim != 2 or edges.shape != (counts.shape[1] + 1,):
        raise InvalidParameter(
            f"heatmap needs counts (z_dim, bins) and edges (bins + 1,), got {counts.shape} and {edges.shape}"
        )
    z_dim = counts.shape[0]
    positive = counts[counts > 0]
    vmax = float(positive.max()) if positive.size else 1.0
    vmin = float(positive.min()) if positive.size else 0.1
    vmin = min(vmin, vmax / 10)
    cmap = colormaps["viridis"].with_extremes(bad="white")
    image = ax.imshow(
        np.ma.masked_less_equal(counts, 0),
        cmap=cmap,
        norm=LogNorm(vmin=vmin, vmax=vmax),
        aspect="auto",
        origin="lower",
        interpolation="nearest",
        extent=(edges[0], edges[-1], -0.5, z_dim - 0.5),
    )
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    _style(
        ax, f"Histograms of all {z_dim} components", "component value (latent units)", "component"
    )
    ax.grid(False)
    marked = [int(i) for i in dominant or ()]
    if marked:
        _mark_dominant(ax, marked, z_dim)
    return image


def _mark_dominant(ax: Axes, dominant: list[int], z_dim: int) -> None:
    fig = ax.figure.figure  # the root figure (a subfigure has no height of its own)
    height_pt = ax.get_position().height * fig.get_figheight() * 72
    size = float(np.clip(0.8 * height_pt / max(z_dim, 1), 3.5, 6.0))
    ax.plot(
        np.ones(len(dominant)),
        dominant,
        linestyle="none",
        marker="<",
        markersize=size,
        markeredgewidth=0,
        color="tab:red",
        transform=ax.get_yaxis_transform(),
        clip_on=False,
        label="dominant components",
    )
    right = ax.secondary_yaxis("right")
    labelled = len(dominant) <= MAX_DOMINANT_LABELS
    right.set_yticks(dominant if labelled else [])
    right.tick_params(labelsize="x-small", labelcolor="tab:red", length=0, pad=size + 2)
    right.set_ylabel(
        f"dominant ({len(dominant)})", color="tab:red", labelpad=0 if labelled else size + 4
    )


def draw_component_curve(
    ax: Axes,
    edges: npt.ArrayLike,
    counts_row: npt.ArrayLike,
    mean: float,
    half_width: float,
    label: str,
) -> None:
    """One component's histogram with its centre and its half-width (FWHM) band.

    The band spans ``mean +- half_width / 2``; a double arrow at half the peak height shows
    the full width at half maximum.
    """
    edges, counts = _edges_counts(edges, counts_row)
    ax.stairs(counts, edges, color=color(0), fill=True, alpha=0.25, linewidth=0)
    ax.stairs(counts, edges, color=color(0), linewidth=1.4, label=label)
    low, high = mean - half_width / 2, mean + half_width / 2
    ax.axvspan(low, high, color=color(1), alpha=0.15, linewidth=0)
    ax.axvline(mean, color=color(3), linestyle="--", linewidth=1.4, label=f"centre μ = {mean:.3g}")
    half_max = float(counts.max()) / 2 if counts.size else 0.0
    ax.annotate(
        "",
        xy=(low, half_max),
        xytext=(high, half_max),
        arrowprops={"arrowstyle": "<->", "color": color(1), "linewidth": 1.4},
    )
    ax.plot([], [], color=color(1), linewidth=6, alpha=0.4, label=f"FWHM = {half_width:.3g}")
    ax.set_ylim(bottom=0)
    _style(ax, label, "component value (latent units)", "count (z-points per bin)")
    ax.legend(fontsize="small")


def draw_kmeans_inertia(ax: Axes, k: Sequence[int], inertia: Sequence[float]) -> None:
    """Inertia against the number of clusters (look for an elbow)."""
    ax.plot(k, inertia, marker="o", markersize=3.5, color=color(0), label="MiniBatchKMeans")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.ticklabel_format(axis="y", style="sci", scilimits=(-3, 4), useMathText=True)
    _style(
        ax,
        "k-means inertia (elbow plot)",
        "number of clusters k",
        "inertia (sum of squared distances)",
    )
    ax.legend(fontsize="small")


def draw_pca_variance(ax: Axes, ratios: npt.ArrayLike, threshold: float = 0.9) -> None:
    """Explained variance per principal component (bars) and cumulated (line).

    A dotted line marks ``threshold`` and the legend says how many components reach it.
    """
    ratios = np.asarray(ratios, dtype=np.float64)
    index = np.arange(1, ratios.size + 1)
    cumulative = np.cumsum(ratios)
    ax.bar(index, ratios, width=0.8, color=color(0), label="per component")
    ax.plot(index, cumulative, marker=".", markersize=4, color=color(1), label="cumulative")
    reached = np.flatnonzero(cumulative >= threshold - 1e-12)
    where = f"{reached[0] + 1} components" if reached.size else "not reached"
    ax.axhline(
        threshold, color="grey", linestyle=":", linewidth=1.2, label=f"{threshold:.0%}: {where}"
    )
    ax.set_ylim(0, 1.05)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0))
    _style(ax, "PCA explained variance", "principal component", "explained variance")
    ax.legend(fontsize="small", loc="center right")


def draw_correlation(ax: Axes, points: npt.ArrayLike, r: float, i: int, j: int) -> PathCollection:
    """Scatter of component ``j`` against component ``i`` with the Pearson ``r`` in the title."""
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2:
        raise InvalidParameter(f"correlation points must be (m, 2), got shape {points.shape}")
    dots = ax.scatter(
        points[:, 0],
        points[:, 1],
        s=6,
        alpha=0.5,
        color=color(0),
        linewidths=0,
        label=f"{points.shape[0]} z-points",
    )
    r_text = "undefined" if not np.isfinite(r) else f"{r:.3f}"
    _style(
        ax,
        f"Components {i} and {j}: Pearson r = {r_text}",
        f"z[{i}] (latent units)",
        f"z[{j}] (latent units)",
    )
    ax.legend(fontsize="small", markerscale=2)
    return dots


def tsne_dot_area(n_points: int) -> float:
    """Dot area (points^2) that keeps a map of ``n_points`` readable on a report figure:
    large dots for a few hundred points, down to 3 from 8000 points on, where dots overlap
    anyway (2000 points: 12)."""
    return float(np.clip(24_000 / max(n_points, 1), 3.0, 16.0))


def draw_tsne(
    ax: Axes,
    embedding: np.ndarray,
    labels: Sequence | np.ndarray | None = None,
    label_names: Sequence[str] | None = None,
    s: float | None = None,
) -> list[Artist]:
    """:func:`draw_map` of a t-SNE map."""
    return draw_map(ax, embedding, labels, label_names, "tsne", s)


def draw_map(
    ax: Axes,
    embedding: np.ndarray,
    labels: Sequence | np.ndarray | None = None,
    label_names: Sequence[str] | None = None,
    method: str = "tsne",
    s: float | None = None,
) -> list[Artist]:
    """2-D map (t-SNE, UMAP, PCA) coloured by class, as the window exports it
    (:func:`explorer.core.output.map_colours.draw_map`): a legend up to 20 classes, a
    colorbar above; the dots are one :class:`~explorer.core.output.dot_layer.DotLayer`
    (a bitmap, always rasterized: 140k points in about 20 ms instead of 150 ms as markers),
    in the order of the points.

    Parameters
    ----------
    embedding : ``(n, 2)`` coordinates.
    labels : ``(n,)`` class of every point, or None for one colour.
    label_names : name of class ``c`` is ``label_names[c]`` (integer classes only).
    method : ``tsne``, ``umap`` or ``pca`` (``maps.MAP_METHODS``): names the axes and title.
    s : marker size in points^2 (the area, as in ``scatter``); by default
        :func:`tsne_dot_area` of the point count.

    Returns
    -------
    The point artists (the dot layer).
    """
    from explorer.core.output import map_colours
    from explorer.core.stats.maps import get_method

    spec = get_method(method)  # InvalidParameter for an unknown one
    axis, name = spec.axis, spec.label
    embedding = np.asarray(embedding, dtype=np.float64)
    if embedding.ndim != 2 or embedding.shape[1] != 2:
        raise InvalidParameter(f"{axis} embedding must be (n, 2), got shape {embedding.shape}")
    if labels is not None and np.asarray(labels).shape != (embedding.shape[0],):
        raise InvalidParameter(
            f"{name} labels must be one per point ({embedding.shape[0]},), got shape "
            f"{np.asarray(labels).shape}; pick one label column"
        )
    _style(ax, "", "", "")
    colours = map_colours.MapColours.by_label(labels, label_names, n=len(embedding))
    size = float(np.sqrt(tsne_dot_area(len(embedding)) if s is None else s))
    layer = map_colours.draw_map(
        ax, embedding, colours, title=f"{name} map of {embedding.shape[0]} z-points",
        axis_names=(f"{axis} 1", f"{axis} 2"), dot_size=size,
    )  # fmt: skip
    return [layer]


def draw_grid_image(ax: Axes, image: np.ndarray, title: str) -> AxesImage:
    """Show an image grid pixel for pixel: uint8 ``(H, W)`` (grey) or ``(H, W, 3)``."""
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if not (image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 3)):
        raise InvalidParameter(f"grid image must be (H, W) or (H, W, 3), got shape {image.shape}")
    if image.ndim == 2:
        vmax = 255 if np.issubdtype(image.dtype, np.integer) else 1.0
        shown = ax.imshow(image, cmap="gray", vmin=0, vmax=vmax, interpolation="nearest")
    else:
        shown = ax.imshow(image, interpolation="nearest")
    ax.set_title(title)
    ax.set_axis_off()
    return shown
