"""Pictures of measured sample quality: the decodes sorted by the classifier's confidence, and
every metric against a swept sampler parameter (seed 000's uniform limit series in numbers)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from explorer.core.output import plots
from explorer.core.stats.quality import ModelQuality, Sweep
from explorer.core.stats.quality_metrics import CONFIDENT, METRICS
from explorer.core.util.export import save_figure
from explorer.core.util.imaging import save_png, tile_grid

GRID_SIDE = 12  # the confidence grid shows at most 12 x 12 decodes
LABELS = {
    "confident": f"confident (top p >= {CONFIDENT})",
    "confidence_mean": "mean top probability",
    "class_coverage": "class coverage",
    "fd": "FD (lower is better)",
    "precision": "precision (k = 3)",
    "recall": "recall (k = 3)",
    "density": "density (k = 5)",
    "coverage": "coverage (k = 5)",
}


def by_confidence(row: ModelQuality, side: int = GRID_SIDE) -> tuple[np.ndarray, np.ndarray]:
    """Up to ``side`` x ``side`` of the row's decodes, evenly spaced along their order from
    the most to the least confident (row-major), and the rows picked. Without a classifier:
    the first ones in sampling order."""
    n = len(row.images)
    count = min(n, side * side)
    order = (
        np.argsort(-row.confidence, kind="stable") if row.confidence is not None else np.arange(n)
    )
    picked = order[np.unique(np.linspace(0, n - 1, count).round().astype(int))]
    return picked, row.images[picked]


def write_confidence_grid(row: ModelQuality, path: str | Path) -> Path:
    """The decodes sorted by confidence as one PNG (see :func:`by_confidence`)."""
    _, images = by_confidence(row)
    cols = min(GRID_SIDE, len(images))
    rows = -(-len(images) // cols)
    save_png(tile_grid(images, rows, cols, padding=2), path)
    return Path(path)


def draw_sweep(fig: Figure, result: Sweep) -> None:
    """Each metric against the swept parameter: a line per model, the reference dashed.

    Four columns of plots on a wide figure, two on a narrow one (a side panel); one legend
    for all of them below the plots."""
    shown = [m for m in METRICS if any(_finite(ms[m]) for _, ms in result.models)]
    width, height = fig.get_size_inches()
    wide = 4 if width >= 1.2 * height else 2
    cols = wide if len(shown) > wide - 1 else len(shown) or 1
    rows = -(-len(shown) // cols) or 1
    handles: list = []
    for k, metric in enumerate(shown):
        ax = fig.add_subplot(rows, cols, k + 1)
        for i, (name, metrics) in enumerate(result.models):
            values = np.array([np.nan if v is None else v for v in metrics[metric]], float)
            ax.plot(result.values, values, marker="o", ms=3, color=plots.color(i), label=name)
        ref = result.reference.get(metric)
        if ref is not None:
            ax.axhline(ref, color="0.45", ls="--", lw=1, label="real (held out)")
        ax.set_title(LABELS[metric], fontsize=9)
        if k >= len(shown) - cols:  # the bottom row
            ax.set_xlabel(f"{result.sampler} {result.param}", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
        if len(ax.get_lines()) > len(handles):
            handles = ax.get_lines()
    fig.suptitle(f"Sample quality against {result.sampler} {result.param}", fontsize=10)
    if handles:
        fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=8,
                   frameon=False)  # fmt: skip
    # whatever layout the figure came with (constrained in the window and new_figure)
    fig.set_layout_engine("tight", rect=(0, 0.06 if handles else 0, 1, 1))


def write_sweep_plot(result: Sweep, path: str | Path) -> Path:
    fig = plots.new_figure(12, 6)
    draw_sweep(fig, result)
    return save_figure(fig, Path(path))


def _finite(values: Iterable[float | None]) -> bool:
    return any(v is not None and np.isfinite(v) for v in values)
