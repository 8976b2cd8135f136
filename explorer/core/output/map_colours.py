"""Colours of a map's points, Qt-free: one palette index per point plus its legend or colorbar.

:class:`MapColours` is what the window's map widget (``explorer/gui/map/map_view.py``) and its
export (:func:`draw_map`, matplotlib) share. Categorical colours come with a legend (tab10 up
to 10 classes, tab20 up to 20); continuous ones (a value per point, or a numeric label with
more than 20 classes) are quantised to 256 colours of a colormap and come with a colorbar.

Draw order: the points are drawn in the order given, later ones covering earlier ones (for
continuous colours too; sort the points yourself to put high values on top). With a
selection, the other points are drawn first in faded colours and the selected ones on top
(:func:`draw_order`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from explorer.core.errors import InvalidParameter

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from explorer.core.output.dot_layer import DotLayer

N_LEVELS = 256  # colours of a continuous colouring
NAN_RGBA = (170, 170, 170, 255)  # points without a value
ONE_RGBA = (31, 119, 180, 255)  # tab10's first colour: all points, no labels
FADE = 0.78  # share of white mixed into the points outside a selection


@dataclass(frozen=True)
class Colorbar:
    """A continuous colouring: colormap name, value range and the bar's label."""

    cmap: str
    vmin: float
    vmax: float
    label: str

    def ramp(self, n: int = N_LEVELS) -> np.ndarray:
        """(n, 4) uint8 RGBA from ``vmin`` to ``vmax``."""
        return _cmap_rgba(self.cmap, n)


@dataclass(frozen=True)
class MapColours:
    """``codes`` (n,) index into ``palette`` (k, 4) uint8 RGBA per point; ``legend``
    ((name, rgba), ...) for categorical colours, or ``colorbar`` for continuous ones."""

    codes: np.ndarray
    palette: np.ndarray
    legend: tuple[tuple[str, tuple[int, int, int, int]], ...] = ()
    colorbar: Colorbar | None = None
    legend_title: str = ""

    def __post_init__(self) -> None:
        codes = np.asarray(self.codes, dtype=np.intp)
        palette = np.asarray(self.palette, dtype=np.uint8)
        if codes.ndim != 1 or palette.ndim != 2 or palette.shape[1] != 4 or not len(palette):
            raise InvalidParameter(
                f"map colours need codes (n,) and a palette (k, 4), got {codes.shape} "
                f"and {palette.shape}"
            )
        if codes.size and (codes.min() < 0 or codes.max() >= len(palette)):
            raise InvalidParameter(f"map colour codes must be in [0, {len(palette)})")
        object.__setattr__(self, "codes", codes)
        object.__setattr__(self, "palette", palette)

    def __len__(self) -> int:
        return len(self.codes)

    @property
    def continuous(self) -> bool:
        return self.colorbar is not None

    @classmethod
    def single(cls, n: int, rgba: tuple[int, int, int, int] = ONE_RGBA) -> MapColours:
        """All ``n`` points in one colour, no legend."""
        return cls(np.zeros(int(n), dtype=np.intp), np.array([rgba], dtype=np.uint8))

    @classmethod
    def by_label(
        cls,
        labels: Sequence | np.ndarray | None,
        names: Sequence[str] | None = None,
        n: int | None = None,
        title: str = "class",
    ) -> MapColours:
        """One colour per class: tab10 up to 10 classes, tab20 up to 20, with a legend
        (``names[c]`` names integer class ``c``). More classes are coloured as a number
        (their value if numeric, else their rank) along viridis. ``labels`` None: one
        colour for ``n`` points."""
        if labels is None:
            if n is None:
                raise InvalidParameter("map colours without labels need the number of points")
            return cls.single(n)
        labels = np.asarray(labels)
        if labels.ndim != 1:
            raise InvalidParameter(f"map labels must be one per point, got shape {labels.shape}")
        classes, codes = classes_of(labels)
        if classes.size > 20:
            if np.issubdtype(labels.dtype, np.number):
                return cls.by_value(labels.astype(np.float64), title)
            return cls.by_value(codes.astype(np.float64), f"{title} (rank)")
        palette = _cmap_rgba("tab10" if classes.size <= 10 else "tab20", None)[: classes.size]
        if not len(palette):
            palette = np.array([ONE_RGBA], dtype=np.uint8)
        legend = tuple(
            (_class_name(value, names), _rgba(palette[i])) for i, value in enumerate(classes)
        )
        return cls(codes, palette, legend=legend, legend_title=title)

    @classmethod
    def by_value(
        cls,
        values: Sequence | np.ndarray,
        label: str,
        cmap: str = "viridis",
        vmin: float | None = None,
        vmax: float | None = None,
    ) -> MapColours:
        """A colour per value, quantised to 256 levels of ``cmap`` between ``vmin`` and
        ``vmax`` (default: the finite values' range); NaN values are grey."""
        values = np.asarray(values, dtype=np.float64)
        if values.ndim != 1:
            raise InvalidParameter(f"map values must be one per point, got shape {values.shape}")
        finite = np.isfinite(values)
        lo = float(values[finite].min()) if vmin is None and finite.any() else vmin
        hi = float(values[finite].max()) if vmax is None and finite.any() else vmax
        lo = 0.0 if lo is None else float(lo)
        hi = lo + 1.0 if hi is None else float(hi)
        span = hi - lo if hi > lo else 1.0
        codes = np.full(len(values), N_LEVELS, dtype=np.intp)
        scaled = np.clip((values[finite] - lo) / span * (N_LEVELS - 1), 0, N_LEVELS - 1)
        codes[finite] = np.rint(scaled).astype(np.intp)
        palette = np.vstack([_cmap_rgba(cmap, N_LEVELS), np.array([NAN_RGBA], np.uint8)])
        return cls(codes, palette, colorbar=Colorbar(cmap, lo, hi, label))


def classes_of(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The classes of ``labels`` and each label's class number, as
    ``np.unique(labels, return_inverse=True)``; small whole-number labels (digits, a few
    classes) by counting, 10-20x faster than sorting a million labels."""
    if labels.dtype.kind in "iub" and len(labels):
        lo, hi = int(labels.min()), int(labels.max())
        if hi - lo < 65536:
            shifted = labels.astype(np.int64) - lo
            present = np.flatnonzero(np.bincount(shifted, minlength=hi - lo + 1))
            lookup = np.zeros(hi - lo + 1, dtype=np.intp)
            lookup[present] = np.arange(len(present))
            return (present + lo).astype(labels.dtype), lookup[shifted]
    classes, codes = np.unique(labels, return_inverse=True)
    return classes, codes.reshape(-1)


def faded(palette: np.ndarray, share: float = FADE) -> np.ndarray:
    """``palette`` mixed with ``share`` white (opaque): the points outside a selection."""
    rgb = palette[:, :3].astype(np.float64)
    out = palette.copy()
    out[:, :3] = np.rint(rgb + (255 - rgb) * share).astype(np.uint8)
    out[:, 3] = 255
    return out


def draw_order(
    colours: MapColours, selection: np.ndarray | None
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """(order, codes, palette) to draw: ``order`` None for all points as given; with a
    non-empty ``selection`` (rows) the others first in faded colours (codes shifted by the
    palette's length), then the selected ones in their colours."""
    k = len(colours.palette)
    if selection is None or not len(selection):
        return None, colours.codes, colours.palette
    chosen = np.zeros(len(colours.codes), dtype=bool)
    chosen[np.asarray(selection, dtype=np.intp)] = True
    order = np.concatenate([np.flatnonzero(~chosen), np.flatnonzero(chosen)])
    codes = colours.codes[order] + np.where(chosen[order], 0, k)
    return order, codes, np.vstack([colours.palette, faded(colours.palette)])


def draw_map(
    ax: Axes,
    xy: np.ndarray,
    colours: MapColours,
    limits: tuple[tuple[float, float], tuple[float, float]] | None = None,
    title: str = "",
    axis_names: tuple[str, str] = ("1", "2"),
    selection: np.ndarray | None = None,
    dot_size: float = 2.5,
) -> DotLayer:
    """The map on matplotlib axes (for export): a :class:`DotLayer`, its legend or colorbar,
    the view ``limits`` ((x0, x1), (y0, y1)), the selection on top of faded others."""
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize
    from matplotlib.lines import Line2D

    from explorer.core.output.dot_layer import DotLayer

    xy = np.asarray(xy, dtype=np.float64)
    order, codes, palette = draw_order(colours, selection)
    points = xy if order is None else xy[order]
    layer = DotLayer(points, codes, palette / 255.0, dot_size)
    ax.add_artist(layer)
    ax.set_title(title)
    ax.set_xlabel(axis_names[0])
    ax.set_ylabel(axis_names[1])
    if limits is not None:
        ax.set_xlim(*limits[0])
        ax.set_ylim(*limits[1])
    elif len(xy):
        finite = xy[np.isfinite(xy).all(axis=1)]
        if len(finite):
            ax.update_datalim(finite)
            ax.autoscale_view()
    if colours.colorbar is not None:
        bar = colours.colorbar
        mappable = ScalarMappable(Normalize(bar.vmin, bar.vmax), bar.cmap)
        ax.figure.colorbar(mappable, ax=ax, label=bar.label)
    elif colours.legend:
        handles = [
            Line2D([], [], linestyle="", marker="o", markersize=6, markeredgewidth=0,
                   color=tuple(np.array(rgba) / 255.0), label=name)
            for name, rgba in colours.legend
        ]  # fmt: skip
        ax.legend(
            handles=handles,
            title=colours.legend_title or None,
            loc="center left",
            bbox_to_anchor=(1.01, 0.5),
            fontsize="small",
            frameon=False,
        )
    return layer


def _rgba(row: np.ndarray) -> tuple[int, int, int, int]:
    r, g, b, a = (int(c) for c in row)
    return r, g, b, a


def _cmap_rgba(name: str, n: int | None) -> np.ndarray:
    from matplotlib import colormaps
    from matplotlib.colors import ListedColormap

    cmap = colormaps[name]
    if n is None:  # a listed colormap's own colours
        rgba = np.asarray(cast(ListedColormap, cmap).colors, dtype=np.float64)
        if rgba.shape[1] == 3:
            rgba = np.hstack([rgba, np.ones((len(rgba), 1))])
    else:
        rgba = cmap(np.linspace(0.0, 1.0, n))
    return np.rint(rgba * 255).astype(np.uint8)


def _class_name(value: Any, names: Sequence[str] | None) -> str:
    named = names is not None and isinstance(value, np.integer | int)
    if named and names is not None and 0 <= int(value) < len(names):
        return str(names[int(value)])
    return str(value.item() if isinstance(value, np.generic) else value)
