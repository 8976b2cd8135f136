"""The viewport of :class:`~explorer.gui.map.map_view.MapView` (its ``viewport``): the
data shown (x0, x1, y0, y1), the plot area in the widget, and the conversions between data
and widget coordinates that painting, hovering and the mouse share."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QTransform

from explorer.gui.map import map_frame

if TYPE_CHECKING:
    from explorer.gui.map.map_view import MapView

Limits = tuple[tuple[float, float], tuple[float, float]]
Box = tuple[float, float, float, float]  # x0, x1, y0, y1


class MapViewport:
    """Which part of the data the view shows, and where on the widget."""

    def __init__(self, view: MapView) -> None:
        self.view = view
        self.box: Box | None = None  # x0, x1, y0, y1
        self.user = False  # the user panned or zoomed: keep the view on new positions

    def limits(self) -> Limits:
        """((x0, x1), (y0, y1)) of the data shown."""
        x0, x1, y0, y1 = self.box or (0.0, 1.0, 0.0, 1.0)
        return (x0, x1), (y0, y1)

    def set(self, box: Box, user: bool) -> None:
        """Show ``box`` (ignored when not finite or empty); ``user``: the user chose it."""
        x0, x1, y0, y1 = box
        if not all(map(math.isfinite, box)) or x1 - x0 <= 1e-12 * max(1.0, abs(x0)):
            return
        if y1 - y0 <= 1e-12 * max(1.0, abs(y0)):
            return
        self.box, self.user = box, user
        self.view.viewChanged.emit()
        self.view.update()

    def pan_pixels(self, dx: float, dy: float) -> None:
        """Move the map's content by (dx, dy) widget pixels, as a drag does."""
        if self.box is None:
            return
        sx, sy = self.scale()
        x0, x1, y0, y1 = self.box
        ddx, ddy = -dx / sx, dy / sy
        self.set((x0 + ddx, x1 + ddx, y0 + ddy, y1 + ddy), user=True)

    def zoom_at(self, pos: QPointF, factor: float) -> None:
        """Scale the view by ``factor`` (< 1 zooms in) around the data point under ``pos``."""
        if self.box is None or not factor > 0:
            return
        cx, cy = self.data_at(pos)
        x0, x1, y0, y1 = self.box
        view = (
            cx + (x0 - cx) * factor,
            cx + (x1 - cx) * factor,
            cy + (y0 - cy) * factor,
            cy + (y1 - cy) * factor,
        )
        self.set(view, user=True)

    def plot_rect(self) -> QRectF:
        """The area of the dots, in widget coordinates."""
        fm = self.view.fontMetrics()
        line = fm.height()
        right = 12.0 + (
            fm.horizontalAdvance("-0.000") + fm.height() + 36
            if map_frame.colorbar(self.view)
            else 0
        )
        top = line + 10 if self.view.title else 10
        left = fm.horizontalAdvance("-00.00") + line + 12
        bottom = 2 * line + 12
        h = max(10, self.view.height() - top - bottom)
        right += map_frame.legend_width(self.view, h)  # the legend beside the dots, never over them
        w = max(10, self.view.width() - left - right)
        return QRectF(left, top, w, h)

    def scale(self) -> tuple[float, float]:
        """Pixels per data unit along x and y (logical pixels)."""
        rect = self.plot_rect()
        x0, x1, y0, y1 = self.box or (0.0, 1.0, 0.0, 1.0)
        return rect.width() / (x1 - x0), rect.height() / (y1 - y0)

    def data_at(self, pos: QPointF) -> tuple[float, float]:
        """The data coordinates under widget position ``pos``."""
        rect = self.plot_rect()
        sx, sy = self.scale()
        x0, _, _, y1 = self.box or (0.0, 1.0, 0.0, 1.0)
        return x0 + (pos.x() - rect.left()) / sx, y1 - (pos.y() - rect.top()) / sy

    def pixel_of(self, xy: np.ndarray) -> np.ndarray:
        """Widget positions (n, 2) (or (2,)) of data points ``xy``."""
        xy = np.asarray(xy, dtype=np.float64)
        rect = self.plot_rect()
        sx, sy = self.scale()
        x0, _, _, y1 = self.box or (0.0, 1.0, 0.0, 1.0)
        out = np.empty_like(xy)
        out[..., 0] = rect.left() + (xy[..., 0] - x0) * sx
        out[..., 1] = rect.top() + (y1 - xy[..., 1]) * sy
        return out

    def transform(self) -> QTransform:
        rect = self.plot_rect()
        sx, sy = self.scale()
        x0, _, _, y1 = self.box or (0.0, 1.0, 0.0, 1.0)
        return QTransform(sx, 0.0, 0.0, -sy, rect.left() - x0 * sx, rect.top() + y1 * sy)
