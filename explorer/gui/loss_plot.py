"""Live loss curves of a training: total, reconstruction and KL loss.

Per batch: each batch's own loss (faint) and its exponential moving average (span about
half an epoch); per epoch: training and validation means (markers). The x axis is in epochs
(fractional for batches), so long runs stay readable. Artists are created once and updated
with ``set_data``; redraws are throttled to at most :data:`MAX_REDRAWS_PER_S` per second.
Long runs are thinned for drawing (at most :data:`MAX_DRAWN` points per curve).
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget

from explorer.gui.plot_canvas import PlotCanvas

KEYS = ("total_loss", "reco_loss", "kl_loss")
TITLES = {"total_loss": "total", "reco_loss": "reco", "kl_loss": "KL"}
MAX_REDRAWS_PER_S = 5
MAX_DRAWN = 4000


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


class LossPlot(PlotCanvas):
    """Three stacked axes sharing the epoch axis; right-click exports PNG/SVG/PDF."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("lossPlot", "Training losses", parent)
        self.figure.set_size_inches(5, 5)
        self.redraws = 0
        self._log = False
        self._dirty = False
        self._ema: dict[str, float | None] = dict.fromkeys(KEYS)
        self._ema_n = 0
        self._curves = {
            (key, what): _Curve() for key in KEYS for what in ("raw", "ema", "epoch", "val")
        }
        self._build()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(int(1000 / MAX_REDRAWS_PER_S))
        self._timer.timeout.connect(self.flush)

    def _build(self) -> None:
        self.figure.clear()
        axes = self.figure.subplots(3, 1, sharex=True)
        self._axes = dict(zip(KEYS, axes, strict=True))
        self._lines = {}
        for key, ax in self._axes.items():
            (raw,) = ax.plot([], [], color="C0", alpha=0.25, lw=0.8, label="batch")
            (ema,) = ax.plot([], [], color="C0", lw=1.6, label="batch (smoothed)")
            (ep,) = ax.plot([], [], "o-", color="C1", ms=3.5, lw=1.0, label="epoch train")
            (val,) = ax.plot([], [], "s--", color="C2", ms=3.5, lw=1.0, label="epoch validation")
            self._lines.update({(key, "raw"): raw, (key, "ema"): ema})
            self._lines.update({(key, "epoch"): ep, (key, "val"): val})
            ax.set_ylabel(TITLES[key])
            ax.grid(True, alpha=0.3)
            ax.set_yscale("log" if self._log else "linear")
        self.figure.legend(
            handles=[self._lines[("total_loss", w)] for w in ("raw", "ema", "epoch", "val")],
            loc="outside upper center",
            ncols=4,
            fontsize="x-small",
            frameon=False,
        )
        axes[-1].set_xlabel("epoch")
        self.redraw()

    # ------------------------------------------------------------------ data in
    def reset(self, kind: str = "vae") -> None:
        """Forget everything (a new training); an AE has no KL loss, its axis says so."""
        for curve in self._curves.values():
            curve.clear()
        self._ema = dict.fromkeys(KEYS)
        self._ema_n = 0
        kl = self._axes["kl_loss"]
        kl.set_title("" if kind == "vae" else "KL: none for an AE", fontsize="small")
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
            self._ema[key] = value if prev is None else prev + alpha * (value - prev)
            self._curves[(key, "ema")].append(x, self._ema[key])
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
        for ax in self._axes.values():
            ax.set_yscale("log" if self._log else "linear")
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
        if not self._timer.isActive():
            self._timer.start()

    def flush(self) -> None:
        """Push the data into the artists and ask for one redraw (if anything changed)."""
        if not self._dirty:
            return
        self._dirty = False
        for (key, what), line in self._lines.items():
            line.set_data(*self._curves[(key, what)].drawn())
        for ax in self._axes.values():
            ax.relim(visible_only=True)
            ax.autoscale_view()
            if self._log:
                ax.set_yscale("log")
        self.redraws += 1
        self.redraw()
