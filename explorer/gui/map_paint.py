"""Painting of :class:`~explorer.gui.map_view.MapView`: the dots image and the overlay.

The dots are stamped with NumPy into one image (``stamp_dots`` of
``explorer/core/output/dot_layer.py``), cached and re-stamped only when the view, the size,
the points, their colours or the selection change; the rest (frame, ticks, labels, title,
legend or colorbar, contours, rings, the lasso, the hover box) is painted by Qt at every
paint. A mixin of ``MapView``: it uses the view's state and is tested through it.
"""

from __future__ import annotations

import math
import sys
import time

import numpy as np
import shiboken6
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPen

from explorer.core.output.map_colours import draw_order
from explorer.gui.map_host import MapHost
from explorer.gui.workers import jobs

WHITE = 0xFFFFFFFF
RENDER_IN_THREAD = 300_000  # from this many points the dots are drawn in a thread
RING = QColor(20, 20, 20)


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


class MapPainting(MapHost):  # MapHost: object at run time, declarations for mypy
    """Rendering and painting of a :class:`~explorer.gui.map_view.MapView` (a mixin)."""

    # ------------------------------------------------------------------ render
    def _prepare(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """x, y (float64) and colour words of the points in draw order, cached."""
        key = (self._version, self._style)
        if self._prepared is None or self._prepared[0] != key:
            self._prepared = (key, *drawn(self._colours, self._selection, self._x, self._y))
        return self._prepared[1], self._prepared[2], self._prepared[3]

    def rendering(self) -> bool:
        """A large map's dots are being drawn in a thread (the image on screen is older)."""
        return self._render_job is not None

    def dots_image(self) -> QImage | None:
        """The image of the dots (device pixels), drawn again if out of date: here up to
        :data:`RENDER_IN_THREAD` points (140k in about 5 ms), from there on in a thread,
        the previous image shown until the new one is there. At 1M points a pan takes
        20-40 ms to draw, but now and then (memory freshly mapped, a collection) 150-250 ms,
        and new points, colours or a selection 50-150 ms: a stall on the GUI thread."""
        if self._xy is None or self._view is None:
            return None
        rect = self.plot_rect()
        ratio = float(self.devicePixelRatioF()) or 1.0
        w, h = max(1, math.ceil(rect.width() * ratio)), max(1, math.ceil(rect.height() * ratio))
        key = (w, h, ratio, self._view, self._version, self._style)
        if key == self._image_key:
            return self._image
        if len(self._xy) >= RENDER_IN_THREAD:
            self._render_in_thread(key)
            return self._image
        start = time.perf_counter()
        x, y, words = self._prepare()
        buffer = stamp(x, y, words, self._view, w, h, ratio)
        self._show_dots(key, buffer, (time.perf_counter() - start) * 1000)
        return self._image

    def _show_dots(self, key: tuple, buffer: np.ndarray, ms: float) -> None:
        w, h, ratio = key[:3]
        image = QImage(buffer.data, w, h, 4 * w, QImage.Format.Format_ARGB32_Premultiplied)
        image.setDevicePixelRatio(ratio)
        self._buffer, self._image, self._image_key = buffer, image, key
        self.last_render_ms = ms
        self.rendered.emit(ms)

    def _render_in_thread(self, key: tuple) -> None:
        """Draw the dots for ``key`` in a thread (one at a time; the newest view is drawn
        next). Everything it reads is replaced, never changed, by the view."""
        if self._render_job is not None:
            return  # :meth:`_dots_drawn` asks for the newest view when this one is done
        prepared = self._prepared if self._prepared and self._prepared[0] == key[4:] else None
        args = (self._colours, self._selection, self._x, self._y, self._view)
        self._render_job = key
        jobs().start(
            f"map-dots-{id(self)}", _draw_dots, key, prepared, args,
            on_done=self._dots_drawn, on_error=self._dots_failed,
        )  # fmt: skip

    def _dots_drawn(self, result: tuple) -> None:
        if not shiboken6.isValid(self):
            return
        key, ready, buffer, ms = result
        self._render_job = None
        if key[4:] == (self._version, self._style):
            self._prepared = ready  # the next pan reuses the draw order
            self._show_dots(key, buffer, ms)
        self.update()  # draws the newest view (in a thread again if it changed meanwhile)

    def _dots_failed(self, text: str) -> None:
        if shiboken6.isValid(self):
            self._render_job = None
            self._message = f"could not draw the map: {text}"

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
        if not len(self._marked) or self._xy is None:
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
        layout = self._legend_layout(rect.height())
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

    def _legend_layout(self, height: float) -> tuple[list[str], int, str] | None:
        """(names shown, rows, title) of the legend beside a plot ``height`` pixels tall,
        None without one."""
        colours = self._colours
        if colours is None or not colours.legend or self._bar() is not None:
            return None
        legend = colours.legend
        line = self.fontMetrics().height()
        rows = min(len(legend), max(1, int((height - 10) // line) - 1))
        names = [name for name, _ in legend[:rows]]
        if rows < len(legend):
            names[-1] = f"… {len(legend) - rows + 1} more"
        return names, rows, colours.legend_title

    def legend_width(self, height: float) -> float:
        """The width of the legend's box (0 without one): the plot area leaves it room at
        its right, so the legend never covers a dot."""
        layout = self._legend_layout(height)
        if layout is None:
            return 0.0
        names, _, title = layout
        fm = self.fontMetrics()
        width = max(fm.horizontalAdvance(n) for n in names) + fm.height() + 14
        return float(max(width, fm.horizontalAdvance(title) + 12))

    def _legend_box(self, rect: QRectF) -> QRectF:
        """The legend's box, right of the plot area ``rect``, at its top."""
        layout = self._legend_layout(rect.height())
        if layout is None:
            return QRectF()
        _, rows, title = layout
        line = self.fontMetrics().height()
        height = (rows + (1 if title else 0)) * line + 8
        return QRectF(rect.right() + 8, rect.top(), self.legend_width(rect.height()), height)

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
        if image is not None and image.isNull():
            image = None
        fm = self.fontMetrics()
        lines = text.splitlines() or [""]
        text_w = max(fm.horizontalAdvance(t) for t in lines)
        img_w = image.width() if image is not None else 0
        img_h = image.height() if image is not None else 0
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
