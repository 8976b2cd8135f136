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

import os
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QFont, QImage, QPainterPath
from PySide6.QtWidgets import QMenu, QSizePolicy, QWidget

from explorer.core.output.map_colours import MapColours
from explorer.core.stats import map_geometry
from explorer.gui.map import map_export
from explorer.gui.map.map_hover import HOVER_PX, MapHover, Thumbnail
from explorer.gui.map.map_input import MapInput
from explorer.gui.map.map_paint import MapPainter
from explorer.gui.map.map_points import MapPoints, fit_view
from explorer.gui.map.map_viewport import Limits, MapViewport

if TYPE_CHECKING:
    from explorer.gui.plots.plot_renderer import PlotRenderer

FILTER = "PNG image (*.png);;SVG drawing (*.svg);;PDF document (*.pdf)"
MODES = ("pan", "lasso", "rect")


class MapView(QWidget):
    """Points ``xy`` (n, 2) coloured by :class:`MapColours`, with pan, zoom, hover, click,
    lasso and rectangle selection, marked points and density contours.

    Signals: ``selectionChanged(object)`` (sorted int64 rows, on any change),
    ``hovered(int)`` (row under the cursor, -1 for none), ``clicked(int)`` (the nearest row
    within 8 px or -1, mode pan only), ``viewChanged()``, ``rendered(float)`` (ms the last
    dots image took).

    Two collaborators do the work: ``painter`` (:class:`MapPainter`: the dots image and the
    overlay), ``viewport`` (:class:`MapViewport`: the data shown and where it is on
    screen) and ``input`` (:class:`MapInput`: mouse and keys).
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
        self.renderer: PlotRenderer | None = None  # matplotlib (export) runs on its thread
        self.last_render_ms = 0.0
        self._message = "no map yet"
        self._xy: np.ndarray | None = None
        self._colours: MapColours | None = None
        self._selection = np.zeros(0, dtype=np.int64)
        self._marked = np.zeros(0, dtype=np.int64)
        self._mode = "pan"
        self._contours_on = False
        self._contours: list[tuple[float, QPainterPath]] | None = None
        self._drag: dict | None = None
        self._version = 0  # points or positions
        self._style = 0  # colours or selection
        self._points: MapPoints | None = None
        self._x: np.ndarray | None = None  # the columns of _xy
        self._y: np.ndarray | None = None
        self.viewport = MapViewport(self)
        self.painter = MapPainter(self)
        self.input = MapInput(self)
        self.hover = MapHover(self)
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
        self.hover.set(-1)
        if not keep_view or self.viewport.box is None:
            self.viewport.box, self.viewport.user = fit_view(self._x, self._y), False
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
        if not self.viewport.user:
            self.viewport.box = fit_view(self._x, self._y)
            self.viewChanged.emit()
        self.update()

    def _new_positions(self, points: MapPoints | None) -> None:
        self._points = points
        if points is None:
            self._xy = self._x = self._y = None
        else:
            self._xy, self._x, self._y = points.xy, points.x, points.y
        self._version += 1
        self._contours = None
        self.hover.forget()

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
        self._colours = self.viewport.box = None
        self.painter.forget()
        self._selection = np.zeros(0, dtype=np.int64)
        self._marked = np.zeros(0, dtype=np.int64)
        self._message, self._drag = message, None
        self._new_positions(None)
        self.hover.set(-1)
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
    def view_limits(self) -> Limits:
        """((x0, x1), (y0, y1)) of the data shown."""
        return self.viewport.limits()

    def reset_view(self) -> None:
        """Fit all points; the view follows the data again."""
        if self._xy is not None:
            self.viewport.set(fit_view(self._x, self._y), user=False)

    def pan_pixels(self, dx: float, dy: float) -> None:
        """Move the map's content by (dx, dy) widget pixels, as a drag does."""
        self.viewport.pan_pixels(dx, dy)

    def zoom_at(self, pos: QPointF, factor: float) -> None:
        """Scale the view by ``factor`` (< 1 zooms in) around the data point under ``pos``."""
        self.viewport.zoom_at(pos, factor)

    def plot_rect(self) -> QRectF:
        """The area of the dots, in widget coordinates."""
        return self.viewport.plot_rect()

    def data_at(self, pos: QPointF) -> tuple[float, float]:
        """The data coordinates under widget position ``pos``."""
        return self.viewport.data_at(pos)

    def pixel_of(self, xy: np.ndarray) -> np.ndarray:
        """Widget positions (n, 2) (or (2,)) of data points ``xy``."""
        return self.viewport.pixel_of(xy)

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

    # ------------------------------------------------------------------ collaborators
    @property
    def hovered_row(self) -> int:
        return self.hover.row

    def nearest_row(self, pos: QPointF, radius: float = HOVER_PX) -> int:
        """The row nearest to widget position ``pos`` within ``radius`` pixels, or -1."""
        return self.hover.nearest_row(pos, radius)

    def set_thumbnail(self, provider: Thumbnail | None) -> None:
        """``provider(row) -> (QImage or None, text)`` for the hover box (None: no box)."""
        self.hover.set_thumbnail(provider)

    def thumbnail_text(self) -> str:
        """The text of the hover box ("" when none is shown)."""
        box = self.hover.box(self.hover.row)
        return "" if box is None else box[2]

    def rendering(self) -> bool:
        """A large map's dots are being drawn in a thread (the image on screen is older)."""
        return self.painter.rendering()

    def dots_image(self) -> QImage | None:
        """The image of the dots, drawn again if out of date (see :class:`MapPainter`)."""
        return self.painter.dots_image()

    def selecting(self) -> bool:
        """A selection of a large map is being found in a thread."""
        return self.input.selecting()

    def paintEvent(self, event) -> None:
        self.painter.paint()

    def mousePressEvent(self, event) -> None:
        if not self.input.press(event):
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        self.input.move(event)

    def mouseReleaseEvent(self, event) -> None:
        if not self.input.release(event):
            super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event) -> None:
        self.input.double_click(event)

    def wheelEvent(self, event) -> None:
        self.input.wheel(event)

    def leaveEvent(self, event) -> None:
        self.input.leave()
        super().leaveEvent(event)

    def keyPressEvent(self, event) -> None:
        if not self.input.key(event):
            super().keyPressEvent(event)

    def sizeHint(self) -> QSize:
        return QSize(480, 420)

    # ------------------------------------------------------------------ export
    def export_figure(self, path: str | os.PathLike) -> None:
        """Save the map as on screen (view, colours, selection, marks) with matplotlib; the
        suffix picks PNG, SVG or PDF. With a :attr:`renderer` (the window's) the figure is
        made and saved on its thread, the event loop running meanwhile."""
        map_export.export_figure(self, path)

    def export_figure_all(self, stem: str | os.PathLike) -> list:
        """The map as ``stem``.png, .svg and .pdf (see :meth:`export_figure`)."""
        return map_export.export_figure_all(self, stem)

    def export_dialog(self) -> None:
        """Ask for a file and export; a failure (e.g. an unwritable folder) is a message."""
        map_export.export_dialog(self)

    def _menu(self, pos) -> None:
        self._drag = None
        menu = QMenu(self)
        action = menu.addAction("Export map…", self.export_dialog)
        action.setEnabled(self._xy is not None)
        menu.addAction("Whole map", self.reset_view).setEnabled(self._xy is not None)
        clear = menu.addAction("Clear selection", self.clear_selection)
        clear.setEnabled(len(self._selection) > 0)
        menu.exec(self.mapToGlobal(pos))
