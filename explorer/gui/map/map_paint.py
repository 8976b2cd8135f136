"""Painting of :class:`~explorer.gui.map.map_view.MapView`: the dots image and the overlay.

The dots are stamped with NumPy into one image (``stamp_dots`` of
``explorer/core/output/dot_layer.py``), cached and re-stamped only when the view, the size,
the points, their colours or the selection change; the rest (frame, ticks, labels, title,
legend or colorbar, contours, rings, the lasso, the hover box) is painted by Qt at every
paint. A collaborator of ``MapView`` (its ``painter``), tested through it.
"""

from __future__ import annotations

import math
import sys
import time
from typing import TYPE_CHECKING

import numpy as np
import shiboken6
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen

from explorer.core.output.map_colours import draw_order
from explorer.gui.map import map_frame
from explorer.gui.tasks.workers import jobs

if TYPE_CHECKING:
    from explorer.gui.map.map_view import MapView

WHITE = 0xFFFFFFFF
RENDER_IN_THREAD = 300_000  # from this many points the dots are drawn in a thread
RING = QColor(20, 20, 20)


def dot_diameter(n_points: int) -> int:
    """Dot diameter in (logical) pixels: big dots for a few points, one pixel for a million."""
    for limit, size in ((2_000, 5), (8_000, 4), (40_000, 3), (300_000, 2)):
        if n_points <= limit:
            return size
    return 1


def _words(palette: np.ndarray) -> np.ndarray:
    """RGBA palette -> one opaque word per colour in the byte order of a
    ``QImage.Format_ARGB32_Premultiplied`` (B, G, R, A on little-endian machines)."""
    rgba = np.array(palette, dtype=np.uint8, copy=True)
    rgba[:, 3] = 255
    order = [2, 1, 0, 3] if sys.byteorder == "little" else [3, 0, 1, 2]
    return np.ascontiguousarray(rgba[:, order]).view(np.uint32).ravel()


def drawn(colours, selection, x, y) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x, y and colour words of the points in the order they are drawn (the selection on
    top of the faded others)."""
    order, codes, palette = draw_order(colours, selection)
    words = _words(palette)[codes]
    return (x, y, words) if order is None else (x[order], y[order], words)


def stamp(x, y, words, view, w: int, h: int, ratio: float) -> np.ndarray:
    """The dots of points ``x``, ``y`` in ``view`` (x0, x1, y0, y1) as a ``(h, w, 4)`` image."""
    from explorer.core.output.dot_layer import disc_offsets, stamp_dots

    x0, x1, y0, y1 = view
    pix = np.empty((2, len(x)), dtype=np.float64)
    np.subtract(x, x0, out=pix[0])
    pix[0] *= w / (x1 - x0)
    np.subtract(y1, y, out=pix[1])
    pix[1] *= h / (y1 - y0)
    offsets = disc_offsets(dot_diameter(len(x)) * ratio)
    return stamp_dots(w, h, pix.T, None, words, offsets, background=WHITE)


class MapPainter:
    """Rendering and painting of a :class:`~explorer.gui.map.map_view.MapView` (its
    ``painter``): it owns the dots image and its cache, reads the view's points, view and
    overlay state, and paints."""

    def __init__(self, view: MapView) -> None:
        self.view = view
        self.prepared: tuple | None = None  # ((version, style), x, y, words) in draw order
        self.image: QImage | None = None
        self.buffer: np.ndarray | None = None  # the image's pixels (QImage does not own them)
        self.image_key: tuple | None = None
        self.render_job: tuple | None = None  # the key of the dots drawn in a job now

    def forget(self) -> None:
        """New points or colours: the image and the draw order are out of date."""
        self.image = self.buffer = self.prepared = None
        self.image_key = None

    # ------------------------------------------------------------------ render
    def _prepare(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """x, y (float64) and colour words of the points in draw order, cached."""
        key = (self.view._version, self.view._style)
        if self.prepared is None or self.prepared[0] != key:
            self.prepared = (
                key,
                *drawn(self.view._colours, self.view._selection, self.view._x, self.view._y),
            )
        return self.prepared[1], self.prepared[2], self.prepared[3]

    def rendering(self) -> bool:
        """A large map's dots are being drawn in a thread (the image on screen is older)."""
        return self.render_job is not None

    def dots_image(self) -> QImage | None:
        """The image of the dots (device pixels), drawn again if out of date: here up to
        :data:`RENDER_IN_THREAD` points (140k in about 5 ms), from there on in a thread,
        the previous image shown until the new one is there. At 1M points a pan takes
        20-40 ms to draw, but now and then (memory freshly mapped, a collection) 150-250 ms,
        and new points, colours or a selection 50-150 ms: a stall on the GUI thread."""
        if self.view._xy is None or self.view.viewport.box is None:
            return None
        rect = self.view.plot_rect()
        ratio = float(self.view.devicePixelRatioF()) or 1.0
        w, h = max(1, math.ceil(rect.width() * ratio)), max(1, math.ceil(rect.height() * ratio))
        key = (w, h, ratio, self.view.viewport.box, self.view._version, self.view._style)
        if key == self.image_key:
            return self.image
        if len(self.view._xy) >= RENDER_IN_THREAD:
            self._render_in_thread(key)
            return self.image
        start = time.perf_counter()
        x, y, words = self._prepare()
        buffer = stamp(x, y, words, self.view.viewport.box, w, h, ratio)
        self._show_dots(key, buffer, (time.perf_counter() - start) * 1000)
        return self.image

    def _show_dots(self, key: tuple, buffer: np.ndarray, ms: float) -> None:
        w, h, ratio = key[:3]
        image = QImage(buffer.data, w, h, 4 * w, QImage.Format.Format_ARGB32_Premultiplied)
        image.setDevicePixelRatio(ratio)
        self.buffer, self.image, self.image_key = buffer, image, key
        self.view.last_render_ms = ms
        self.view.rendered.emit(ms)

    def _render_in_thread(self, key: tuple) -> None:
        """Draw the dots for ``key`` in a thread (one at a time; the newest view is drawn
        next). Everything it reads is replaced, never changed, by the view."""
        if self.render_job is not None:
            return  # :meth:`_dots_drawn` asks for the newest view when this one is done
        prepared = self.prepared if self.prepared and self.prepared[0] == key[4:] else None
        args = (
            self.view._colours,
            self.view._selection,
            self.view._x,
            self.view._y,
            self.view.viewport.box,
        )
        self.render_job = key
        jobs().start(
            f"map-dots-{id(self)}", _draw_dots, key, prepared, args,
            on_done=self._dots_drawn, on_error=self._dots_failed,
        )  # fmt: skip

    def _dots_drawn(self, result: tuple) -> None:
        if not shiboken6.isValid(self.view):
            return
        key, ready, buffer, ms = result
        self.render_job = None
        if key[4:] == (self.view._version, self.view._style):
            self.prepared = ready  # the next pan reuses the draw order
            self._show_dots(key, buffer, ms)
        self.view.update()  # draws the newest view (in a thread again if it changed meanwhile)

    def _dots_failed(self, text: str) -> None:
        if shiboken6.isValid(self.view):
            self.render_job = None
            self.view._message = f"could not draw the map: {text}"

    # ------------------------------------------------------------------ paint
    def paint(self) -> None:
        """Paint the view (its ``paintEvent``)."""
        painter = QPainter(self.view)
        painter.fillRect(self.view.rect(), Qt.GlobalColor.white)
        image = self.dots_image()
        if image is None:
            painter.setPen(Qt.GlobalColor.darkGray)
            flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
            text = self.view._message or "no points"
            painter.drawText(QRectF(self.view.rect()).adjusted(12, 12, -12, -12), flags, text)
            painter.end()
            return
        rect = self.view.plot_rect()
        painter.drawImage(rect.topLeft(), image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.save()
        painter.setClipRect(rect)
        if self.view._contours_on:
            self._paint_contours(painter)
        self._paint_rings(painter)
        painter.restore()
        map_frame.paint_axes(self.view, painter, rect)
        map_frame.paint_key(self.view, painter, rect)
        self._paint_drag(painter)
        self._paint_hover(painter, rect)
        painter.end()

    def _paint_contours(self, painter: QPainter) -> None:
        paths = self.view.contour_paths()
        painter.save()
        painter.setTransform(self.view.viewport.transform(), combine=True)
        for i, (_, path) in enumerate(paths):
            pen = QPen(QColor(40, 40, 40, 110 + 30 * min(i, 4)), 1.0)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.drawPath(path)
        painter.restore()

    def _paint_rings(self, painter: QPainter) -> None:
        if not len(self.view._marked) or self.view._xy is None:
            return
        radius = dot_diameter(len(self.view._xy)) / 2 + 3
        pixels = self.view.pixel_of(self.view._xy[self.view._marked])
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for i, (x, y) in enumerate(pixels):
            if not (math.isfinite(x) and math.isfinite(y)):
                continue
            painter.setPen(QPen(RING if i else QColor(200, 0, 0), 2.0 if i == 0 else 1.2))
            r = radius + (1.5 if i == 0 else 0.0)
            painter.drawEllipse(QPointF(x, y), r, r)

    def _paint_drag(self, painter: QPainter) -> None:
        drag = self.view._drag
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
        row = self.view.hover.row
        if row < 0 or self.view._xy is None or self.view._drag is not None:
            return
        x, y = self.view.pixel_of(self.view._xy[row])
        if math.isfinite(x) and math.isfinite(y):
            painter.setPen(QPen(QColor(0, 0, 0), 1.5))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            r = dot_diameter(len(self.view._xy)) / 2 + 2
            painter.drawEllipse(QPointF(x, y), r, r)
        thumb = self.view.hover.box(row)
        if thumb is None or self.view.hover.pos is None:
            return
        _, image, text = thumb
        if image is not None and image.isNull():
            image = None
        fm = self.view.fontMetrics()
        lines = text.splitlines() or [""]
        text_w = max(fm.horizontalAdvance(t) for t in lines)
        img_w = image.width() if image is not None else 0
        img_h = image.height() if image is not None else 0
        w = max(img_w, text_w) + 10
        h = img_h + len(lines) * fm.height() + (14 if img_h else 8)
        pos = self.view.hover.pos + QPointF(14, 14)
        if pos.x() + w > self.view.width():
            pos.setX(self.view.hover.pos.x() - 14 - w)
        if pos.y() + h > self.view.height():
            pos.setY(self.view.hover.pos.y() - 14 - h)
        box = QRectF(pos.x(), pos.y(), w, h)
        painter.setPen(QPen(QColor(120, 120, 120)))
        painter.setBrush(QColor(255, 255, 250, 240))
        painter.drawRect(box)
        top = box.top() + 5
        if image is not None:
            painter.drawImage(QPointF(box.left() + (w - img_w) / 2, top), image)
            top += img_h + 4
        painter.setPen(QPen(QColor(20, 20, 20)))
        for t in lines:
            painter.drawText(QPointF(box.left() + 5, top + fm.ascent()), t)
            top += fm.height()


def _draw_dots(_state, key: tuple, prepared: tuple | None, args: tuple) -> tuple:
    """A job: the dots of a large map for ``key`` (size, ratio, view, versions): its draw
    order (``prepared``, made here when None) and its pixels. Everything it reads is
    replaced, never changed, by the view."""
    start = time.perf_counter()
    ready = prepared or (key[4:], *drawn(*args[:4]))
    x, y, words = ready[1:]
    w, h, ratio = key[:3]
    buffer = stamp(x, y, words, args[4], w, h, ratio)
    return key, ready, buffer, (time.perf_counter() - start) * 1000
