"""Live loss curves of a training: total, reconstruction and KL loss.

Per batch: each batch's own loss (faint) and its exponential moving average (span about
half an epoch); per epoch: training and validation means (markers). The x axis is in epochs
(fractional for batches), so long runs stay readable. The figure is built and drawn by the
window's plot renderer thread (see ``plot_renderer``) from a copy of the curves, at most
:data:`MAX_REDRAWS_PER_S` times per second, with a fixed layout (margins in pixels, y tick
labels in scientific notation beyond 4 digits) so no constrained-layout pass is needed.
Long runs are thinned for drawing (at most :data:`MAX_DRAWN` points per curve).
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtWidgets import QWidget

from explorer.gui.plots.plot_renderer import PlotRenderer, RenderedPlot
from explorer.gui.widgets.later import Later

KEYS = ("total_loss", "reco_loss", "kl_loss")
TITLES = {"total_loss": "total", "reco_loss": "reco", "kl_loss": "KL"}
MAX_REDRAWS_PER_S = 5
MAX_DRAWN = 4000
STYLES = {
    "raw": {"color": "C0", "alpha": 0.25, "lw": 0.8, "label": "batch"},
    "ema": {"color": "C0", "lw": 1.6, "label": "batch (smoothed)"},
    "epoch": {"color": "C1", "marker": "o", "ms": 3.5, "lw": 1.0, "label": "epoch train"},
    "val": {
        "color": "C2", "marker": "s", "ms": 3.5, "lw": 1.0, "linestyle": "--",
        "label": "epoch validation",
    },
}  # fmt: skip


def ema_alpha(steps: int) -> float:
    """Smoothing of the batch losses: a span of about half an epoch, within [0.02, 0.3]."""
    return min(0.3, max(0.02, 2.0 / (max(1, steps) / 2 + 1)))


class _Curve:
    """Growing x/y arrays (amortised appends)."""

    def __init__(self) -> None:
        self.x = np.empty(1024)
        self.y = np.empty(1024)
        self.n = 0

    def append(self, x: float, y: float) -> None:
        if self.n == len(self.x):
            self.x = np.concatenate([self.x, np.empty(len(self.x))])
            self.y = np.concatenate([self.y, np.empty(len(self.y))])
        self.x[self.n], self.y[self.n] = x, y
        self.n += 1

    def drawn(self) -> tuple[np.ndarray, np.ndarray]:
        step = max(1, math.ceil(self.n / MAX_DRAWN))
        return self.x[: self.n : step], self.y[: self.n : step]

    def clear(self) -> None:
        self.n = 0


def draw_losses(fig, curves: dict, log: bool, kind: str) -> dict:
    """Three stacked axes sharing the epoch axis; ``curves[(key, what)] = (x, y)``."""
    fig.set_layout_engine("none")
    width, height = fig.get_size_inches() * fig.dpi
    px = fig.dpi / 90  # the margins below are pixels at 90 dpi
    margins = {
        "left": min(0.3, 64 * px / width),
        "right": 1 - 10 * px / width,
        "top": 1 - 30 * px / height,
        "bottom": min(0.3, 40 * px / height),
        "hspace": 0.3,
    }
    axes = dict(zip(KEYS, fig.subplots(3, 1, sharex=True, gridspec_kw=margins), strict=True))
    for key, ax in axes.items():
        for what, style in STYLES.items():
            ax.plot(*curves[(key, what)], **style)
        ax.set_ylabel(TITLES[key])
        ax.grid(True, alpha=0.3)
        if log:
            ax.set_yscale("log")
        else:
            ax.ticklabel_format(axis="y", style="sci", scilimits=(-3, 4), useMathText=True)
    if kind != "vae":
        axes["kl_loss"].set_title("KL: none for an AE", fontsize="small")
    fig.legend(
        handles=axes["total_loss"].get_lines(),
        loc="upper center",
        ncols=4,
        fontsize="x-small",
        frameon=False,
    )
    axes["kl_loss"].set_xlabel("epoch")
    return axes


class LossPlot(RenderedPlot):
    """Loss curves of the running training; right-click exports PNG/SVG/PDF. ``info`` (of
    the image on screen) maps each loss key to its axes."""

    def __init__(self, renderer: PlotRenderer, parent: QWidget | None = None) -> None:
        super().__init__("lossPlot", "training losses", renderer, parent)
        self.redraws = 0
        self._log = False
        self._kind = "vae"
        self._dirty = False  # nothing to draw before the first training
        self._ema: dict[str, float | None] = dict.fromkeys(KEYS)
        self._ema_n = 0
        self._curves = {
            (key, what): _Curve() for key in KEYS for what in ("raw", "ema", "epoch", "val")
        }
        # batches arrive by the hundred per second: redraw at most MAX_REDRAWS_PER_S times
        self._flush_soon = Later(self.flush, int(1000 / MAX_REDRAWS_PER_S), self, throttle=True)
        self.message("loss curves: they appear when a training starts")

    # ------------------------------------------------------------------ data in
    def reset(self, kind: str = "vae") -> None:
        """Forget everything (a new training); an AE has no KL loss, its axis says so."""
        for curve in self._curves.values():
            curve.clear()
        self._ema = dict.fromkeys(KEYS)
        self._ema_n = 0
        self._kind = kind
        self._dirty = True
        self.flush()

    def set_history(self, rows: list[dict]) -> None:
        """Epoch rows of earlier training (a resumed bundle's ``meta.json`` history)."""
        for curve_key, curve in self._curves.items():
            if curve_key[1] in ("epoch", "val"):
                curve.clear()
        for row in rows:
            self.add_epoch(row, schedule=False)
        self._schedule()

    def add_batch(self, event: dict) -> None:
        """A core ``batch`` event (``epoch``, ``batch``, ``steps``, ``logs``)."""
        x = event["epoch"] + (event["batch"] + 1) / max(1, event["steps"])
        logs = event["logs"]
        alpha = ema_alpha(event["steps"])
        self._ema_n += 1
        for key in KEYS:
            value = logs.get(f"batch_{key}", logs.get(key))
            if value is None or not math.isfinite(value):
                continue
            self._curves[(key, "raw")].append(x, value)
            prev = self._ema[key]
            ema = value if prev is None else prev + alpha * (value - prev)
            self._ema[key] = ema
            self._curves[(key, "ema")].append(x, ema)
        self._schedule()

    def add_epoch(self, row: dict, schedule: bool = True) -> None:
        """An epoch row (``epoch`` counted from 1, losses and ``val_`` losses)."""
        x = float(row["epoch"])
        for key in KEYS:
            if key in row:
                self._curves[(key, "epoch")].append(x, row[key])
            if f"val_{key}" in row:
                self._curves[(key, "val")].append(x, row[f"val_{key}"])
        if schedule:
            self._schedule()

    def set_log_scale(self, on: bool) -> None:
        self._log = bool(on)
        self._dirty = True
        self.flush()

    def log_scale(self) -> bool:
        return self._log

    def line_data(self, key: str, what: str) -> tuple[np.ndarray, np.ndarray]:
        """The stored (not thinned) data of a curve: ``what`` is raw, ema, epoch or val."""
        c = self._curves[(key, what)]
        return c.x[: c.n].copy(), c.y[: c.n].copy()

    # ------------------------------------------------------------------ drawing
    def _schedule(self) -> None:
        self._dirty = True
        self._flush_soon()

    def flush(self) -> None:
        """Ask the renderer for a new image of the curves (if anything changed)."""
        if not self._dirty:
            return
        self._dirty = False
        curves = {k: tuple(a.copy() for a in c.drawn()) for k, c in self._curves.items()}
        log, kind = self._log, self._kind
        self.redraws += 1
        self.show_figure(lambda fig: draw_losses(fig, curves, log, kind))
