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
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import shiboken6
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QFont, QImage, QPainterPath, QTransform
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QSizePolicy, QWidget

from explorer.core.output.map_colours import MapColours
from explorer.core.stats import map_geometry
from explorer.gui import dialog_folders
from explorer.gui.map_input import MapInput
from explorer.gui.map_paint import MapPainting, dot_diameter
from explorer.gui.workers import jobs, report_error

if TYPE_CHECKING:
    from explorer.gui.plot_renderer import PlotRenderer

FILTER = "PNG image (*.png);;SVG drawing (*.svg);;PDF document (*.pdf)"
MODES = ("pan", "lasso", "rect")
INDEX_IN_THREAD = 300_000  # from this many points the hover index is built in a thread
HOVER_PX = 8  # the nearest point within this distance is hovered
FIT_MARGIN = 0.04  # share of the data's extent left around it when the view fits the data
THUMB_PX = 80  # the hover box's image at most this big
Limits = tuple[tuple[float, float], tuple[float, float]]
Thumbnail = Callable[[int], tuple[QImage | None, str]]


@dataclass(frozen=True, eq=False)
class MapPoints:
    """Positions as the map keeps them: ``xy`` (n, 2) float64 and its two columns (numpy is
    several times faster on columns than on rows). :meth:`of` copies; at a million points
    that takes tens of milliseconds, so whoever makes the points in a worker thread (a map's
    run, a live frame) makes these there and hands them to :meth:`MapView.set_points`."""

    xy: np.ndarray
    x: np.ndarray
    y: np.ndarray

    @classmethod
    def of(cls, xy) -> MapPoints:
        """``xy`` (n, 2) copied into the map's layout (a ``MapPoints`` as it is)."""
        from explorer.core.errors import InvalidParameter

        if isinstance(xy, MapPoints):
            return xy
        xy = np.array(xy, dtype=np.float64, order="C")
        if xy.ndim != 2 or xy.shape[1] != 2:
            raise InvalidParameter(f"map points must be (n, 2), got shape {xy.shape}")
        return cls(xy, np.ascontiguousarray(xy[:, 0]), np.ascontiguousarray(xy[:, 1]))

    def __len__(self) -> int:
        return len(self.xy)


class MapView(MapPainting, MapInput, QWidget):
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
        self.renderer: PlotRenderer | None = None  # matplotlib (export) runs on its thread
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
        self._contours: list[tuple[float, QPainterPath]] | None = None
        self._index: map_geometry.PointIndex | None = None
        self._index_version = -1  # the positions an index is being built for in a job
        self._render_job: tuple | None = None  # the key of the dots drawn in a job now
        self._selecting = 0  # selections being found in a job (large maps)
        self._hover = -1
        self._hover_pos: QPointF | None = None
        self._thumb: tuple[int, QImage | None, str] | None = None
        self._drag: dict | None = None
        self._version = 0  # points or positions
        self._style = 0  # colours or selection
        self._points: MapPoints | None = None
        self._x: np.ndarray | None = None  # the columns of _xy
        self._y: np.ndarray | None = None
        self._prepared: tuple | None = None  # ((version, style), x, y, words) in draw order
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
        xy: np.ndarray | MapPoints,
        colours: MapColours | None = None,
        title: str = "",
        axis_names: tuple[str, str] = ("1", "2"),
        keep_view: bool = False,
    ) -> None:
        """New points (n, 2), copied, or :class:`MapPoints` made in a worker (kept as they
        are), and their colours (None: one colour); the selection, the marked points and the
        hover are cleared, the view fits all points unless ``keep_view``."""
        from explorer.core.errors import InvalidParameter

        points = MapPoints.of(xy)
        colours = MapColours.single(len(points)) if colours is None else colours
        if len(colours) != len(points):
            raise InvalidParameter(f"{len(colours)} colours for {len(points)} points")
        had_selection = len(self._selection) > 0
        self._colours = colours
        x_name, y_name = axis_names
        self.title, self.axis_names, self._message = title, (x_name, y_name), ""
        self._selection = np.zeros(0, dtype=np.int64)
        self._marked = np.zeros(0, dtype=np.int64)
        self._new_positions(points)
        self._style += 1
        self._set_hover(-1)
        if not keep_view or self._view is None:
            self._view, self._user_view = self._fit(), False
        self.viewChanged.emit()
        self.update()
        if had_selection:
            self.selectionChanged.emit(self.selection())

    def update_positions(self, xy: np.ndarray | MapPoints) -> None:
        """Same points at new coordinates (a live t-SNE frame; an array is copied,
        :class:`MapPoints` kept): colours, selection and marks stay; the view follows the
        data until the user pans or zooms."""
        from explorer.core.errors import InvalidParameter

        points = MapPoints.of(xy)
        if self._xy is None or points.xy.shape != self._xy.shape:
            shape = None if self._xy is None else self._xy.shape
            raise InvalidParameter(f"new positions {points.xy.shape} for points of shape {shape}")
        self._new_positions(points)
        if not self._user_view:
            self._view = self._fit()
            self.viewChanged.emit()
        self.update()

    def _new_positions(self, points: MapPoints | None) -> None:
        self._points = points
        if points is None:
            self._xy = self._x = self._y = None
        else:
            self._xy, self._x, self._y = points.xy, points.x, points.y
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
        self._colours = self._view = None
        self._image = self._buffer = self._prepared = None
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
    def map_points(self) -> MapPoints | None:
        """The points as kept (to show them again without copying)."""
        return self._points

    @property
    def colours(self) -> MapColours | None:
        return self._colours

    @property
    def message(self) -> str:
        return self._message

    # ------------------------------------------------------------------ view
    def _fit(self) -> tuple[float, float, float, float]:
        if self._x is None or self._y is None:
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
        right = 12.0 + (fm.horizontalAdvance("-0.000") + fm.height() + 36 if self._bar() else 0)
        top = line + 10 if self.title else 10
        left = fm.horizontalAdvance("-00.00") + line + 12
        bottom = 2 * line + 12
        h = max(10, self.height() - top - bottom)
        right += self.legend_width(h)  # the legend beside the dots, never over them
        w = max(10, self.width() - left - right)
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
        index = self._point_index()
        if index is None:  # still being built (a large map): nothing hovered yet
            return -1
        return index.nearest(self.data_at(pos), radius, self._scale())

    def _point_index(self) -> map_geometry.PointIndex | None:
        """The hover index of the points on screen. Up to :data:`INDEX_IN_THREAD` points it
        is built here (under 10 ms at 140k); above, in a thread (about 60-130 ms at 1M, a
        stall otherwise), and ``None`` is returned until it is there."""
        if self._index is not None or self._xy is None:
            return self._index
        if len(self._xy) < INDEX_IN_THREAD:
            self._index = map_geometry.PointIndex(self._xy)
            return self._index
        if self._index_version != self._version:
            self._index_version = self._version
            jobs().start(
                f"map-index-{id(self)}", _build_index, self._version, self._xy,
                on_done=self._index_built,
                on_error=lambda _text: self._index_built((self._index_version, None)),
            )  # fmt: skip
        return None

    def _index_built(self, built: tuple[int, map_geometry.PointIndex | None]) -> None:
        version, index = built
        if shiboken6.isValid(self) and version == self._version:
            assert self._xy is not None, "the points of the version the index is for"
            # a failure is built again here, to report it
            self._index = index if index is not None else map_geometry.PointIndex(self._xy)
            if self._hover_pos is not None and self._drag is None:
                self._set_hover(self.nearest_row(self._hover_pos), self._hover_pos)

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

    def sizeHint(self) -> QSize:
        return QSize(480, 420)

    # ------------------------------------------------------------------ export
    def export_figure(self, path: str | os.PathLike) -> None:
        """Save the map as on screen (view, colours, selection, marks) with matplotlib; the
        suffix picks PNG, SVG or PDF. With a :attr:`renderer` (the window's) the figure is
        made and saved on its thread, the event loop running meanwhile."""
        self._on_renderer(_save_map, self.figure_inputs(), path)

    def export_figure_all(self, stem: str | os.PathLike) -> list:
        """The map as ``stem``.png, .svg and .pdf (see :meth:`export_figure`)."""
        return self._on_renderer(_save_map_all, self.figure_inputs(), stem)

    def _on_renderer(self, fn: Callable, *args: object) -> Any:
        if self.renderer is not None:
            return self.renderer.run_call(fn, *args)
        return fn(None, *args)

    def figure_inputs(self) -> dict:
        """What :func:`map_figure` needs to draw the map as on screen (copied on the GUI
        thread); InvalidParameter when there are no points."""
        from explorer.core.errors import InvalidParameter

        if self._xy is None or self._colours is None:
            raise InvalidParameter("the map has no points to export")
        rect = self.plot_rect()
        return {
            "xy": self._xy,  # replaced, never changed in place
            "colours": self._colours,
            "limits": self.view_limits(),
            "title": self.title,
            "axis_names": self.axis_names,
            "selection": self._selection.copy(),
            "marked": self._marked.copy(),
            "aspect": rect.height() / max(rect.width(), 1.0),
        }

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

        path, _ = QFileDialog.getSaveFileName(self, "Export map", dialog_folders.start(), FILTER)
        dialog_folders.chosen(path)
        if not path:
            return
        try:
            self.export_figure(path)
        except (ExplorerError, OSError) as exc:
            QMessageBox.warning(self, "Export failed", report_error(exc))


def _build_index(_state, version: int, xy: np.ndarray) -> tuple[int, map_geometry.PointIndex]:
    """A job: the hover index of the points of ``version`` (``xy`` is replaced, never
    changed in place, by new positions)."""
    return version, map_geometry.PointIndex(xy)


def map_figure(inputs: dict):
    """A matplotlib figure of a map from :meth:`MapView.figure_inputs` (renderer thread)."""
    from explorer.core.output.map_colours import draw_map
    from explorer.core.output.plots import new_figure

    xy, marked = inputs["xy"], inputs["marked"]
    fig = new_figure(7.0, max(3.0, min(9.0, 5.6 * inputs["aspect"] + 1.2)))
    ax = fig.add_subplot()
    size = max(1.0, dot_diameter(len(xy)) * 0.8)
    draw_map(
        ax, xy, inputs["colours"], inputs["limits"], inputs["title"], inputs["axis_names"],
        inputs["selection"], size,
    )  # fmt: skip
    if len(marked):
        ring = xy[marked]
        ax.scatter(ring[:, 0], ring[:, 1], s=60, facecolors="none", edgecolors="k", lw=1)
    return fig


def _save_map(_state, inputs: dict, path: str | os.PathLike) -> None:
    from explorer.core.util.export import save_figure

    save_figure(map_figure(inputs), path)


def _save_map_all(_state, inputs: dict, stem: str | os.PathLike) -> list:
    from explorer.core.util.export import save_figure_all

    return save_figure_all(map_figure(inputs), stem)
