"""A scatter map of up to a million points, painted by Qt: pan, zoom, hover, lasso.

The dots are stamped with numpy into one image (``stamp_dots`` of
``explorer/core/output/dot_layer.py``: 140k points in about 5 ms, a million in about 20 ms),
cached and re-stamped only when the view, the size, the points, their colours or the
selection change; everything else (frame, ticks, labels, title, legend or colorbar,
density contours, rings, the lasso, the hover box) is a cheap QPainter overlay drawn at
every paint. A drag or a wheel notch only changes the view and asks for a paint, so a burst
of mouse moves costs one render per paint. matplotlib is used for export only
(:meth:`MapView.export_figure`).

The geometry (exact lasso and rectangle selections, the nearest point to the cursor, density
contours) is Qt-free, in ``explorer/core/stats/map_geometry.py``; the colours are
``explorer/core/output/map_colours.py``'s :class:`MapColours`. Points are drawn in the
order given (later ones on top); with a selection the other points are faded and drawn first.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPen, QTransform
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QSizePolicy, QWidget

from explorer.core.output.map_colours import MapColours, draw_order
from explorer.core.stats import map_geometry
from explorer.gui.workers import report_error

FILTER = "PNG image (*.png);;SVG drawing (*.svg);;PDF document (*.pdf)"
MODES = ("pan", "lasso", "rect")
CLICK_SLOP = 4  # pixels a press may move and still be a click
HOVER_PX = 8  # the nearest point within this distance is hovered
ZOOM_STEP = 1.25  # one wheel notch, one +/- key
KEY_PAN = 0.1  # an arrow key pans this share of the plot
FIT_MARGIN = 0.04  # share of the data's extent left around it when the view fits the data
THUMB_PX = 80  # the hover box's image at most this big
WHITE = 0xFFFFFFFF
RING = QColor(20, 20, 20)
Limits = tuple[tuple[float, float], tuple[float, float]]
Thumbnail = Callable[[int], tuple[QImage | None, str]]


def dot_diameter(n_points: int) -> int:
    """Dot diameter in (logical) pixels: big dots for a few points, one pixel for a million."""
    for limit, size in ((2_000, 5), (8_000, 4), (40_000, 3), (300_000, 2)):
        if n_points <= limit:
            return size
    return 1


def nice_ticks(lo: float, hi: float, max_ticks: int) -> tuple[np.ndarray, int]:
    """Round tick values in [lo, hi] (at most about ``max_ticks``) and their decimals."""
    span = hi - lo
    if not (math.isfinite(span) and span > 0):
        return np.zeros(0), 0
    raw = span / max(1, max_ticks)
    mag = 10.0 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw * (1 - 1e-9))
    first = math.ceil(lo / step - 1e-9)
    count = int(math.floor(hi / step + 1e-9)) - first + 1
    ticks = (first + np.arange(max(0, count))) * step
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    if step / mag == 2.5:
        decimals += 1
    return ticks, min(decimals, 8)


def _label(value: float, decimals: int) -> str:
    if value != 0 and (abs(value) >= 1e6 or abs(value) < 1e-4):
        return f"{value:.3g}"
    text = f"{value:.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def _words(palette: np.ndarray) -> np.ndarray:
    """RGBA palette -> one opaque word per colour in the byte order of a
    ``QImage.Format_ARGB32_Premultiplied`` (B, G, R, A on little-endian machines)."""
    rgba = np.array(palette, dtype=np.uint8, copy=True)
    rgba[:, 3] = 255
    order = [2, 1, 0, 3] if sys.byteorder == "little" else [3, 0, 1, 2]
    return np.ascontiguousarray(rgba[:, order]).view(np.uint32).ravel()


class MapView(QWidget):
    """Points ``xy`` (n, 2) coloured by :class:`MapColours`, with pan, zoom, hover, click,
    lasso and rectangle selection, marked points and density contours.

    Signals: ``selectionChanged(object)`` (sorted int64 rows, on any change),
    ``hovered(int)`` (row under the cursor, -1 for none), ``clicked(int)`` (the nearest row
    within 8 px or -1, mode pan only), ``viewChanged()``, ``rendered(float)`` (ms the last
    dots image took).
    """

    selectionChanged = Signal(object)  # noqa: N815 - Qt naming
    hovered = Signal(int)
    clicked = Signal(int)
    viewChanged = Signal()  # noqa: N815
    rendered = Signal(float)

    def __init__(self, parent: QWidget | None = None, name: str = "") -> None:
        super().__init__(parent)
        if name:
            self.setObjectName(name)
        self.title = ""
        self.axis_names: tuple[str, str] = ("1", "2")
        self.thumbnail: Thumbnail | None = None
        self.last_render_ms = 0.0
        self._message = "no map yet"
        self._xy: np.ndarray | None = None
        self._colours: MapColours | None = None
        self._view: tuple[float, float, float, float] | None = None  # x0, x1, y0, y1
        self._user_view = False  # the user panned or zoomed: keep the view on new positions
        self._selection = np.zeros(0, dtype=np.int64)
        self._marked = np.zeros(0, dtype=np.int64)
        self._mode = "pan"
        self._contours_on = False
        self._legend_corner = 0
        self._contours: list[tuple[float, QPainterPath]] | None = None
        self._index: map_geometry.PointIndex | None = None
        self._hover = -1
        self._hover_pos: QPointF | None = None
        self._thumb: tuple[int, QImage | None, str] | None = None
        self._drag: dict | None = None
        self._version = 0  # points or positions
        self._style = 0  # colours or selection
        self._x: np.ndarray | None = None  # the columns of _xy
        self._y: np.ndarray | None = None
        self._styled: tuple | None = None  # (style, order, colour words) in draw order
        self._prepared: tuple | None = None  # (key, x, y) in draw order
        self._pixels: np.ndarray | None = None  # (2, n) float64 buffer
        self._image: QImage | None = None
        self._buffer: np.ndarray | None = None  # the image's pixels (QImage does not own them)
        self._image_key: tuple | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(260, 200)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.9))
        self.setFont(font)

    # ------------------------------------------------------------------ data
    def set_points(
        self,
        xy: np.ndarray,
        colours: MapColours | None = None,
        title: str = "",
        axis_names: tuple[str, str] = ("1", "2"),
        keep_view: bool = False,
    ) -> None:
        """New points (n, 2) and their colours (None: one colour); the selection, the marked
        points and the hover are cleared, the view fits all points unless ``keep_view``."""
        from explorer.core.errors import InvalidParameter

        xy = np.array(xy, dtype=np.float64, order="C")
        if xy.ndim != 2 or xy.shape[1] != 2:
            raise InvalidParameter(f"map points must be (n, 2), got shape {xy.shape}")
        colours = MapColours.single(len(xy)) if colours is None else colours
        if len(colours) != len(xy):
            raise InvalidParameter(f"{len(colours)} colours for {len(xy)} points")
        had_selection = len(self._selection) > 0
        self._xy, self._colours = xy, colours
        self.title, self.axis_names, self._message = title, tuple(axis_names), ""
        self._selection = np.zeros(0, dtype=np.int64)
        self._marked = np.zeros(0, dtype=np.int64)
        self._pixels = np.empty((2, len(xy)), dtype=np.float64)
        self._new_positions(xy)
        self._style += 1
        self._set_hover(-1)
        if not keep_view or self._view is None:
            self._view, self._user_view = self._fit(), False
        self.viewChanged.emit()
        self.update()
        if had_selection:
            self.selectionChanged.emit(self.selection())

    def update_positions(self, xy: np.ndarray) -> None:
        """Same points at new coordinates (a live t-SNE frame): colours, selection and marks
        stay; the view follows the data until the user pans or zooms."""
        from explorer.core.errors import InvalidParameter

        xy = np.array(xy, dtype=np.float64, order="C")
        if self._xy is None or xy.shape != self._xy.shape:
            shape = None if self._xy is None else self._xy.shape
            raise InvalidParameter(f"new positions {xy.shape} for points of shape {shape}")
        self._xy = xy
        self._new_positions(xy)
        if not self._user_view:
            self._view = self._fit()
            self.viewChanged.emit()
        self.update()

    def _new_positions(self, xy: np.ndarray | None) -> None:
        if xy is None:
            self._x = self._y = None
        else:  # columns: numpy is several times faster on them than on (n, 2) rows
            self._x, self._y = np.ascontiguousarray(xy[:, 0]), np.ascontiguousarray(xy[:, 1])
        self._version += 1
        self._index = None
        self._contours = None
        self._thumb = None

    def set_colours(self, colours: MapColours) -> None:
        """New colours of the same points."""
        from explorer.core.errors import InvalidParameter

        if self._xy is None or len(colours) != len(self._xy):
            raise InvalidParameter("the map's colours need one colour per point")
        self._colours = colours
        self._style += 1
        self.update()

    def clear(self, message: str = "") -> None:
        """No points; ``message`` is shown instead."""
        had_selection = len(self._selection) > 0
        self._xy = self._colours = self._view = None
        self._pixels = self._image = self._buffer = self._prepared = self._styled = None
        self._image_key = None
        self._selection = np.zeros(0, dtype=np.int64)
        self._marked = np.zeros(0, dtype=np.int64)
        self._message, self._drag = message, None
        self._new_positions(None)
        self._set_hover(-1)
        self.update()
        if had_selection:
            self.selectionChanged.emit(self.selection())

    @property
    def points(self) -> np.ndarray | None:
        return self._xy

    @property
    def colours(self) -> MapColours | None:
        return self._colours

    @property
    def message(self) -> str:
        return self._message

    # ------------------------------------------------------------------ view
    def _fit(self) -> tuple[float, float, float, float]:
        if self._x is None:
            return (-1.0, 1.0, -1.0, 1.0)
        bounds = []
        for v in (self._x, self._y):
            lo, hi = np.fmin.reduce(v, initial=np.inf), np.fmax.reduce(v, initial=-np.inf)
            if not (np.isfinite(lo) and np.isfinite(hi)):  # infinities (NaN are skipped)
                finite = v[np.isfinite(v)]
                lo, hi = (finite.min(), finite.max()) if len(finite) else (np.inf, -np.inf)
            bounds.append((lo, hi))
        if not all(lo <= hi for lo, hi in bounds):
            return (-1.0, 1.0, -1.0, 1.0)
        lo, hi = np.array([b[0] for b in bounds]), np.array([b[1] for b in bounds])
        span = hi - lo
        pad = np.where(span > 0, span * FIT_MARGIN, 0.5)
        return (lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1])

    def view_limits(self) -> Limits:
        """((x0, x1), (y0, y1)) of the data shown."""
        x0, x1, y0, y1 = self._view or (0.0, 1.0, 0.0, 1.0)
        return (x0, x1), (y0, y1)

    def set_view(self, limits: Limits) -> None:
        """Show ``((x0, x1), (y0, y1))``; the view then stays on new positions."""
        (x0, x1), (y0, y1) = limits
        self._set_view((float(x0), float(x1), float(y0), float(y1)), user=True)

    def _set_view(self, view: tuple[float, float, float, float], user: bool) -> None:
        x0, x1, y0, y1 = view
        if not all(map(math.isfinite, view)) or x1 - x0 <= 1e-12 * max(1.0, abs(x0)):
            return
        if y1 - y0 <= 1e-12 * max(1.0, abs(y0)):
            return
        self._view, self._user_view = view, user
        self.viewChanged.emit()
        self.update()

    def reset_view(self) -> None:
        """Fit all points; the view follows the data again."""
        if self._xy is not None:
            self._set_view(self._fit(), user=False)

    def pan_pixels(self, dx: float, dy: float) -> None:
        """Move the map's content by (dx, dy) widget pixels, as a drag does."""
        if self._view is None:
            return
        sx, sy = self._scale()
        x0, x1, y0, y1 = self._view
        ddx, ddy = -dx / sx, dy / sy
        self._set_view((x0 + ddx, x1 + ddx, y0 + ddy, y1 + ddy), user=True)

    def zoom_at(self, pos: QPointF, factor: float) -> None:
        """Scale the view by ``factor`` (< 1 zooms in) around the data point under ``pos``."""
        if self._view is None or not factor > 0:
            return
        cx, cy = self.data_at(pos)
        x0, x1, y0, y1 = self._view
        view = (
            cx + (x0 - cx) * factor,
            cx + (x1 - cx) * factor,
            cy + (y0 - cy) * factor,
            cy + (y1 - cy) * factor,
        )
        self._set_view(view, user=True)

    def plot_rect(self) -> QRectF:
        """The area of the dots, in widget coordinates."""
        fm = self.fontMetrics()
        line = fm.height()
        right = 12 + (fm.horizontalAdvance("-0.000") + fm.height() + 36 if self._bar() else 0)
        top = line + 10 if self.title else 10
        left = fm.horizontalAdvance("-00.00") + line + 12
        bottom = 2 * line + 12
        w, h = max(10, self.width() - left - right), max(10, self.height() - top - bottom)
        return QRectF(left, top, w, h)

    def _scale(self) -> tuple[float, float]:
        """Pixels per data unit along x and y (logical pixels)."""
        rect = self.plot_rect()
        x0, x1, y0, y1 = self._view or (0.0, 1.0, 0.0, 1.0)
        return rect.width() / (x1 - x0), rect.height() / (y1 - y0)

    def data_at(self, pos: QPointF) -> tuple[float, float]:
        """The data coordinates under widget position ``pos``."""
        rect = self.plot_rect()
        sx, sy = self._scale()
        x0, _, _, y1 = self._view or (0.0, 1.0, 0.0, 1.0)
        return x0 + (pos.x() - rect.left()) / sx, y1 - (pos.y() - rect.top()) / sy

    def pixel_of(self, xy: np.ndarray) -> np.ndarray:
        """Widget positions (n, 2) (or (2,)) of data points ``xy``."""
        xy = np.asarray(xy, dtype=np.float64)
        rect = self.plot_rect()
        sx, sy = self._scale()
        x0, _, _, y1 = self._view or (0.0, 1.0, 0.0, 1.0)
        out = np.empty_like(xy)
        out[..., 0] = rect.left() + (xy[..., 0] - x0) * sx
        out[..., 1] = rect.top() + (y1 - xy[..., 1]) * sy
        return out

    def _transform(self) -> QTransform:
        rect = self.plot_rect()
        sx, sy = self._scale()
        x0, _, _, y1 = self._view or (0.0, 1.0, 0.0, 1.0)
        return QTransform(sx, 0.0, 0.0, -sy, rect.left() - x0 * sx, rect.top() + y1 * sy)

    # ------------------------------------------------------------------ selection, marks
    @property
    def mode(self) -> str:
        return self._mode

    @mode.setter
    def mode(self, mode: str) -> None:
        self.set_mode(mode)

    def set_mode(self, mode: str) -> None:
        """What a left drag does: "pan", "lasso" or "rect" (Shift: lasso, Ctrl: rectangle)."""
        if mode not in MODES:
            raise ValueError(f"map mode must be one of {MODES}, not {mode!r}")
        self._mode = mode
        cursor = Qt.CursorShape.ArrowCursor if mode == "pan" else Qt.CursorShape.CrossCursor
        self.setCursor(cursor)

    def selection(self) -> np.ndarray:
        """The selected rows, sorted (int64)."""
        return self._selection.copy()

    def select_rows(self, rows) -> None:
        """Select ``rows`` (out-of-range ones are dropped); emits ``selectionChanged`` if the
        selection changes."""
        n = 0 if self._xy is None else len(self._xy)
        rows = np.asarray(rows, dtype=np.int64).ravel()
        chosen = np.zeros(n, dtype=bool)  # sorted and unique in O(n): np.unique hashes
        chosen[rows[(rows >= 0) & (rows < n)]] = True
        rows = np.flatnonzero(chosen).astype(np.int64)
        if np.array_equal(rows, self._selection):
            return
        self._selection = rows
        self._style += 1
        self.update()
        self.selectionChanged.emit(self.selection())

    def clear_selection(self) -> None:
        self.select_rows([])

    def set_marked(self, rows) -> None:
        """Draw rings around ``rows`` (e.g. a clicked point and its neighbours; the first
        row gets a thicker ring)."""
        rows = np.asarray(rows, dtype=np.int64).ravel()
        n = 0 if self._xy is None else len(self._xy)
        self._marked = rows[(rows >= 0) & (rows < n)]
        self.update()

    def marked(self) -> np.ndarray:
        return self._marked.copy()

    def set_contours(self, on: bool) -> None:
        """Show density contour lines (computed once per data, in data coordinates)."""
        self._contours_on = bool(on)
        self.update()

    @property
    def contours_on(self) -> bool:
        return self._contours_on

    def contour_paths(self) -> list[tuple[float, QPainterPath]]:
        """(level, path in data coordinates) of the density contours, computed on demand."""
        if self._contours is None:
            self._contours = []
            if self._xy is not None:
                for level, lines in map_geometry.density_contours(self._xy):
                    path = QPainterPath()
                    for line in lines:
                        path.moveTo(line[0, 0], line[0, 1])
                        for x, y in line[1:]:
                            path.lineTo(x, y)
                    self._contours.append((level, path))
        return self._contours

    # ------------------------------------------------------------------ hover
    @property
    def hovered_row(self) -> int:
        return self._hover

    def nearest_row(self, pos: QPointF, radius: float = HOVER_PX) -> int:
        """The row nearest to widget position ``pos`` within ``radius`` pixels, or -1."""
        if self._xy is None or not len(self._xy) or self._view is None:
            return -1
        if self._index is None:
            self._index = map_geometry.PointIndex(self._xy)
        return self._index.nearest(self.data_at(pos), radius, self._scale())

    def _set_hover(self, row: int, pos: QPointF | None = None) -> None:
        moved = self._hover_pos != pos
        self._hover_pos = pos
        if row != self._hover:
            self._hover = row
            self.hovered.emit(row)
            self.update()
        elif row >= 0 and moved and self.thumbnail is not None:
            self.update()  # the box follows the cursor

    def set_thumbnail(self, provider: Thumbnail | None) -> None:
        """``provider(row) -> (QImage or None, text)`` for the hover box (None: no box)."""
        self.thumbnail, self._thumb = provider, None
        self.update()

    def thumbnail_text(self) -> str:
        """The text of the hover box ("" when none is shown)."""
        thumb = self._thumb_for(self._hover)
        return "" if thumb is None else thumb[2]

    def _thumb_for(self, row: int) -> tuple[int, QImage | None, str] | None:
        if row < 0 or self.thumbnail is None:
            return None
        if self._thumb is None or self._thumb[0] != row:
            image, text = self.thumbnail(row)
            if image is not None and not image.isNull():
                image = image.scaled(
                    THUMB_PX, THUMB_PX, Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )  # fmt: skip
            self._thumb = (row, image, str(text))
        return self._thumb

    # ------------------------------------------------------------------ render
    def _prepare(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """x, y (float64) and colour words of the points in draw order, cached."""
        if self._styled is None or self._styled[0] != self._style:
            order, codes, palette = draw_order(self._colours, self._selection)
            self._styled = (self._style, order, _words(palette)[codes])
        _, order, words = self._styled
        key = (self._version, self._style)
        if self._prepared is None or self._prepared[0] != key:
            x, y = (self._x, self._y) if order is None else (self._x[order], self._y[order])
            self._prepared = (key, x, y)
        return self._prepared[1], self._prepared[2], words

    def dots_image(self) -> QImage | None:
        """The cached image of the dots (device pixels), re-rendered if out of date."""
        if self._xy is None or self._view is None:
            return None
        rect = self.plot_rect()
        ratio = float(self.devicePixelRatioF()) or 1.0
        w, h = max(1, math.ceil(rect.width() * ratio)), max(1, math.ceil(rect.height() * ratio))
        key = (w, h, ratio, self._view, self._version, self._style)
        if key != self._image_key:
            from explorer.core.output.dot_layer import disc_offsets, stamp_dots

            start = time.perf_counter()
            x, y, words = self._prepare()
            x0, x1, y0, y1 = self._view
            pix = self._pixels
            np.subtract(x, x0, out=pix[0])
            pix[0] *= w / (x1 - x0)
            np.subtract(y1, y, out=pix[1])
            pix[1] *= h / (y1 - y0)
            offsets = disc_offsets(dot_diameter(len(x)) * ratio)
            buffer = stamp_dots(w, h, pix.T, None, words, offsets, background=WHITE)
            image = QImage(buffer.data, w, h, 4 * w, QImage.Format.Format_ARGB32_Premultiplied)
            image.setDevicePixelRatio(ratio)
            self._buffer, self._image, self._image_key = buffer, image, key
            self._pick_legend_corner(rect, ratio)
            self.last_render_ms = (time.perf_counter() - start) * 1000
            self.rendered.emit(self.last_render_ms)
        return self._image

    # ------------------------------------------------------------------ paint
    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), Qt.GlobalColor.white)
        image = self.dots_image()
        if image is None:
            painter.setPen(Qt.GlobalColor.darkGray)
            flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
            text = self._message or "no points"
            painter.drawText(QRectF(self.rect()).adjusted(12, 12, -12, -12), flags, text)
            painter.end()
            return
        rect = self.plot_rect()
        painter.drawImage(rect.topLeft(), image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.save()
        painter.setClipRect(rect)
        if self._contours_on:
            self._paint_contours(painter)
        self._paint_rings(painter)
        painter.restore()
        self._paint_axes(painter, rect)
        self._paint_key(painter, rect)
        self._paint_drag(painter)
        self._paint_hover(painter, rect)
        painter.end()

    def _paint_contours(self, painter: QPainter) -> None:
        paths = self.contour_paths()
        painter.save()
        painter.setTransform(self._transform(), combine=True)
        for i, (_, path) in enumerate(paths):
            pen = QPen(QColor(40, 40, 40, 110 + 30 * min(i, 4)), 1.0)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.drawPath(path)
        painter.restore()

    def _paint_rings(self, painter: QPainter) -> None:
        if not len(self._marked):
            return
        radius = dot_diameter(len(self._xy)) / 2 + 3
        pixels = self.pixel_of(self._xy[self._marked])
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for i, (x, y) in enumerate(pixels):
            if not (math.isfinite(x) and math.isfinite(y)):
                continue
            painter.setPen(QPen(RING if i else QColor(200, 0, 0), 2.0 if i == 0 else 1.2))
            r = radius + (1.5 if i == 0 else 0.0)
            painter.drawEllipse(QPointF(x, y), r, r)

    def _paint_axes(self, painter: QPainter, rect: QRectF) -> None:
        fm = self.fontMetrics()
        painter.setPen(QPen(QColor(90, 90, 90), 1.0))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(rect)
        (x0, x1), (y0, y1) = self.view_limits()
        text_pen = QPen(QColor(40, 40, 40))
        xt, xd = nice_ticks(x0, x1, max(2, int(rect.width() // 80)))
        for v in xt:
            px = rect.left() + (v - x0) / (x1 - x0) * rect.width()
            painter.drawLine(QPointF(px, rect.bottom()), QPointF(px, rect.bottom() + 4))
            label = _label(float(v), xd)
            painter.save()
            painter.setPen(text_pen)
            painter.drawText(
                QPointF(px - fm.horizontalAdvance(label) / 2, rect.bottom() + 5 + fm.ascent()),
                label,
            )
            painter.restore()
        yt, yd = nice_ticks(y0, y1, max(2, int(rect.height() // 50)))
        for v in yt:
            py = rect.top() + (y1 - v) / (y1 - y0) * rect.height()
            painter.drawLine(QPointF(rect.left() - 4, py), QPointF(rect.left(), py))
            label = _label(float(v), yd)
            painter.save()
            painter.setPen(text_pen)
            painter.drawText(
                QPointF(rect.left() - 6 - fm.horizontalAdvance(label), py + fm.ascent() / 2 - 1),
                label,
            )
            painter.restore()
        painter.setPen(text_pen)
        xname, yname = self.axis_names
        bottom = rect.bottom() + 6 + fm.height() + fm.ascent()
        painter.drawText(
            QPointF(rect.center().x() - fm.horizontalAdvance(xname) / 2, bottom), xname
        )
        painter.save()
        painter.translate(4 + fm.ascent(), rect.center().y() + fm.horizontalAdvance(yname) / 2)
        painter.rotate(-90)
        painter.drawText(QPointF(0, 0), yname)
        painter.restore()
        if self.title:
            bold = QFont(self.font())
            bold.setBold(True)
            painter.save()
            painter.setFont(bold)
            title = painter.fontMetrics().elidedText(
                self.title, Qt.TextElideMode.ElideRight, self.width() - 8
            )
            width = painter.fontMetrics().horizontalAdvance(title)
            x = min(max(4.0, rect.center().x() - width / 2), self.width() - 4 - width)
            painter.drawText(QPointF(x, 4 + fm.ascent()), title)
            painter.restore()
        if len(self._selection):
            note = f"{len(self._selection)} selected"
            painter.drawText(QPointF(rect.left() + 4, rect.top() + 3 + fm.ascent()), note)

    def _bar(self):
        return None if self._colours is None else self._colours.colorbar

    def _paint_key(self, painter: QPainter, rect: QRectF) -> None:
        fm = self.fontMetrics()
        bar = self._bar()
        if bar is not None:
            strip = QRectF(rect.right() + 10, rect.top() + 4, 12, rect.height() - 8)
            ramp = bar.ramp()
            colours = np.ascontiguousarray(np.repeat(ramp[::-1][:, None, :], 2, axis=1))
            strip_image = QImage(colours.data, 2, len(ramp), 8, QImage.Format.Format_RGBA8888)
            painter.drawImage(strip, strip_image)
            painter.setPen(QPen(QColor(90, 90, 90)))
            painter.drawRect(strip)
            ticks, decimals = nice_ticks(bar.vmin, bar.vmax, max(2, int(strip.height() // 45)))
            span = bar.vmax - bar.vmin
            for v in ticks:
                y = strip.bottom() - (v - bar.vmin) / span * strip.height() if span else strip.top()
                painter.drawLine(QPointF(strip.right(), y), QPointF(strip.right() + 3, y))
                painter.drawText(
                    QPointF(strip.right() + 5, y + fm.ascent() / 2 - 1), _label(float(v), decimals)
                )
            painter.save()
            painter.translate(
                self.width() - 6 - fm.ascent(),
                strip.center().y() - fm.horizontalAdvance(bar.label) / 2,
            )
            painter.rotate(90)
            painter.drawText(QPointF(0, 0), bar.label)
            painter.restore()
            return
        legend = self._colours.legend if self._colours is not None else ()
        layout = self._legend_layout(rect)
        if layout is None:
            return
        names, rows, title = layout
        line = fm.height()
        box = self._legend_box(rect)
        painter.setPen(QPen(QColor(180, 180, 180)))
        painter.setBrush(QColor(255, 255, 255, 215))
        painter.drawRect(box)
        painter.setPen(QPen(QColor(40, 40, 40)))
        y = box.top() + 4
        if title:
            painter.drawText(QPointF(box.left() + 6, y + fm.ascent()), title)
            y += line
        for i, name in enumerate(names):
            if not (rows < len(legend) and i == rows - 1):
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(QColor(*legend[i][1]))
                d = line * 0.55
                painter.drawEllipse(QRectF(box.left() + 6, y + (line - d) / 2, d, d))
            painter.setPen(QPen(QColor(40, 40, 40)))
            painter.drawText(QPointF(box.left() + 10 + line * 0.55, y + fm.ascent()), name)
            y += line

    def _legend_layout(self, rect: QRectF) -> tuple[list[str], int, str] | None:
        """(names shown, rows, title) of the legend, None without one."""
        legend = self._colours.legend if self._colours is not None else ()
        if not legend or self._bar() is not None:
            return None
        line = self.fontMetrics().height()
        rows = min(len(legend), max(1, int((rect.height() - 10) // line) - 1))
        names = [name for name, _ in legend[:rows]]
        if rows < len(legend):
            names[-1] = f"… {len(legend) - rows + 1} more"
        return names, rows, self._colours.legend_title

    def _legend_box(self, rect: QRectF, corner: int | None = None) -> QRectF:
        """The legend's box in ``corner`` (0 top right, 1 top left, 2 bottom right,
        3 bottom left; default: the emptiest, picked at each render)."""
        layout = self._legend_layout(rect)
        if layout is None:
            return QRectF()
        names, rows, title = layout
        fm = self.fontMetrics()
        line = fm.height()
        width = max(fm.horizontalAdvance(n) for n in names) + line + 14
        width = max(width, fm.horizontalAdvance(title) + 12)
        height = (rows + (1 if title else 0)) * line + 8
        corner = self._legend_corner if corner is None else corner
        x = rect.left() + 6 if corner in (1, 3) else rect.right() - width - 6
        y = rect.bottom() - height - 6 if corner in (2, 3) else rect.top() + 6
        if corner == 1 and len(self._selection):
            y += line  # below the "n selected" note
        return QRectF(x, y, width, height)

    def _pick_legend_corner(self, rect: QRectF, ratio: float) -> None:
        """The corner whose legend box covers the fewest drawn pixels (of the new image)."""
        if self._legend_layout(rect) is None or self._buffer is None:
            return
        words = self._buffer.view(np.uint32)[..., 0]
        covered = []
        for corner in range(4):
            box = self._legend_box(rect, corner).translated(-rect.left(), -rect.top())
            r0, r1 = int(box.top() * ratio), int(box.bottom() * ratio) + 1
            c0, c1 = int(box.left() * ratio), int(box.right() * ratio) + 1
            covered.append(int(np.count_nonzero(words[max(0, r0) : r1, max(0, c0) : c1] != WHITE)))
        self._legend_corner = int(np.argmin(covered))

    def _paint_drag(self, painter: QPainter) -> None:
        drag = self._drag
        if drag is None or drag["kind"] == "pan" or not drag.get("moved"):
            return
        pen = QPen(QColor(0, 90, 200), 1.5, Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(QColor(0, 90, 200, 30))
        if drag["kind"] == "lasso":
            path = QPainterPath(drag["points"][0])
            for p in drag["points"][1:]:
                path.lineTo(p)
            path.closeSubpath()
            painter.drawPath(path)
        else:
            painter.drawRect(QRectF(drag["start"], drag["end"]).normalized())

    def _paint_hover(self, painter: QPainter, rect: QRectF) -> None:
        row = self._hover
        if row < 0 or self._xy is None or self._drag is not None:
            return
        x, y = self.pixel_of(self._xy[row])
        if math.isfinite(x) and math.isfinite(y):
            painter.setPen(QPen(QColor(0, 0, 0), 1.5))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            r = dot_diameter(len(self._xy)) / 2 + 2
            painter.drawEllipse(QPointF(x, y), r, r)
        thumb = self._thumb_for(row)
        if thumb is None or self._hover_pos is None:
            return
        _, image, text = thumb
        fm = self.fontMetrics()
        lines = text.splitlines() or [""]
        text_w = max(fm.horizontalAdvance(t) for t in lines)
        img_w = image.width() if image is not None and not image.isNull() else 0
        img_h = image.height() if img_w else 0
        w = max(img_w, text_w) + 10
        h = img_h + len(lines) * fm.height() + (14 if img_h else 8)
        pos = self._hover_pos + QPointF(14, 14)
        if pos.x() + w > self.width():
            pos.setX(self._hover_pos.x() - 14 - w)
        if pos.y() + h > self.height():
            pos.setY(self._hover_pos.y() - 14 - h)
        box = QRectF(pos.x(), pos.y(), w, h)
        painter.setPen(QPen(QColor(120, 120, 120)))
        painter.setBrush(QColor(255, 255, 250, 240))
        painter.drawRect(box)
        top = box.top() + 5
        if img_w:
            painter.drawImage(QPointF(box.left() + (w - img_w) / 2, top), image)
            top += img_h + 4
        painter.setPen(QPen(QColor(20, 20, 20)))
        for t in lines:
            painter.drawText(QPointF(box.left() + 5, top + fm.ascent()), t)
            top += fm.height()

    # ------------------------------------------------------------------ mouse, keys
    def mousePressEvent(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self._xy is None:
            super().mousePressEvent(event)
            return
        mods = event.modifiers()
        if mods & Qt.KeyboardModifier.ShiftModifier:
            kind = "lasso"
        elif mods & Qt.KeyboardModifier.ControlModifier:
            kind = "rect"
        else:
            kind = self._mode
        pos = event.position()
        self._drag = {
            "kind": kind, "start": pos, "end": pos, "points": [pos], "moved": False,
            "view": self._view, "plain": not (mods & (
                Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier)),
        }  # fmt: skip
        self._set_hover(-1)
        event.accept()

    def mouseMoveEvent(self, event) -> None:
        pos = event.position()
        drag = self._drag
        if drag is None:
            if self._xy is not None and self.plot_rect().contains(pos):
                self._set_hover(self.nearest_row(pos), pos)
            elif self._hover >= 0 or self._hover_pos is not None:
                self._set_hover(-1)
            return
        start = drag["start"]
        moved = pos - start
        if not drag["moved"] and max(abs(moved.x()), abs(moved.y())) <= CLICK_SLOP:
            return
        drag["moved"], drag["end"] = True, pos
        if drag["kind"] == "pan":
            # from the view at the press, so rounding never accumulates
            x0, x1, y0, y1 = drag["view"]
            sx, sy = self._scale()
            ddx, ddy = -moved.x() / sx, moved.y() / sy
            self._set_view((x0 + ddx, x1 + ddx, y0 + ddy, y1 + ddy), user=True)
        elif drag["kind"] == "lasso":
            last = drag["points"][-1]
            if abs(pos.x() - last.x()) + abs(pos.y() - last.y()) >= 2:
                drag["points"].append(pos)
            self.update()
        else:
            self.update()
        event.accept()

    def mouseReleaseEvent(self, event) -> None:
        drag, self._drag = self._drag, None
        if drag is None or event.button() != Qt.MouseButton.LeftButton:
            super().mouseReleaseEvent(event)
            return
        pos = event.position()
        if drag["kind"] == "lasso" and drag["moved"]:
            drag["points"].append(pos)
            polygon = np.array([self.data_at(p) for p in drag["points"]])
            self.select_rows(np.flatnonzero(map_geometry.points_in_polygon(self._xy, polygon)))
        elif drag["kind"] == "rect" and drag["moved"]:
            (ax, ay), (bx, by) = self.data_at(drag["start"]), self.data_at(pos)
            mask = map_geometry.points_in_rect(self._xy, (ax, bx), (ay, by))
            self.select_rows(np.flatnonzero(mask))
        elif drag["kind"] == "pan" and not drag["moved"] and drag["plain"]:
            self.clicked.emit(self.nearest_row(pos))
        self.update()
        event.accept()

    def mouseDoubleClickEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._drag = None
            self.reset_view()
            event.accept()

    def wheelEvent(self, event) -> None:
        steps = event.angleDelta().y() / 120
        if steps and self._xy is not None:
            self.zoom_at(event.position(), ZOOM_STEP ** (-steps))
        event.accept()

    def leaveEvent(self, event) -> None:
        if self._drag is None:
            self._set_hover(-1)
        super().leaveEvent(event)

    def keyPressEvent(self, event) -> None:
        key = event.key()
        rect = self.plot_rect()
        K = Qt.Key
        if key in (K.Key_Plus, K.Key_Equal):
            self.zoom_at(rect.center(), 1 / ZOOM_STEP)
        elif key == K.Key_Minus:
            self.zoom_at(rect.center(), ZOOM_STEP)
        elif key in (K.Key_0, K.Key_Home):
            self.reset_view()
        elif key == K.Key_Escape:
            self.clear_selection()
        elif key == K.Key_Left:
            self.pan_pixels(rect.width() * KEY_PAN, 0)
        elif key == K.Key_Right:
            self.pan_pixels(-rect.width() * KEY_PAN, 0)
        elif key == K.Key_Up:
            self.pan_pixels(0, rect.height() * KEY_PAN)
        elif key == K.Key_Down:
            self.pan_pixels(0, -rect.height() * KEY_PAN)
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def sizeHint(self) -> QSize:
        return QSize(480, 420)

    # ------------------------------------------------------------------ export
    def export_figure(self, path: str | os.PathLike) -> None:
        """Save the map as on screen (view, colours, selection, marks) with matplotlib; the
        suffix picks PNG, SVG or PDF."""
        from explorer.core.util.export import save_figure

        save_figure(self.figure(), path)

    def figure(self):
        """A matplotlib figure of the map as on screen (for export); InvalidParameter when
        there are no points."""
        from explorer.core.errors import InvalidParameter
        from explorer.core.output.map_colours import draw_map
        from explorer.core.output.plots import new_figure

        if self._xy is None or self._colours is None:
            raise InvalidParameter("the map has no points to export")
        rect = self.plot_rect()
        aspect = rect.height() / max(rect.width(), 1.0)
        fig = new_figure(7.0, max(3.0, min(9.0, 5.6 * aspect + 1.2)))
        ax = fig.add_subplot()
        size = max(1.0, dot_diameter(len(self._xy)) * 0.8)
        draw_map(
            ax, self._xy, self._colours, self.view_limits(), self.title, self.axis_names,
            self._selection, size,
        )  # fmt: skip
        if len(self._marked):
            ring = self._xy[self._marked]
            ax.scatter(ring[:, 0], ring[:, 1], s=60, facecolors="none", edgecolors="k", lw=1)
        return fig

    def _menu(self, pos) -> None:
        self._drag = None
        menu = QMenu(self)
        action = menu.addAction("Export map…", self.export_dialog)
        action.setEnabled(self._xy is not None)
        menu.addAction("Whole map", self.reset_view).setEnabled(self._xy is not None)
        clear = menu.addAction("Clear selection", self.clear_selection)
        clear.setEnabled(len(self._selection) > 0)
        menu.exec(self.mapToGlobal(pos))

    def export_dialog(self) -> None:
        """Ask for a file and export; a failure (e.g. an unwritable folder) is a message."""
        from explorer.core.errors import ExplorerError

        path, _ = QFileDialog.getSaveFileName(self, "Export map", "", FILTER)
        if not path:
            return
        try:
            self.export_figure(path)
        except (ExplorerError, OSError) as exc:
            QMessageBox.warning(self, "Export failed", report_error(exc))
