"""The frame around a map's dots, painted by Qt at every paint: the box, ticks and their
labels, axis names and title, the selection count, and the key at the right (a legend of
categories, beside the dots and never over them, or a colorbar)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen

if TYPE_CHECKING:
    from explorer.gui.map.map_view import MapView


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


def paint_axes(view: MapView, painter: QPainter, rect: QRectF) -> None:
    fm = view.fontMetrics()
    painter.setPen(QPen(QColor(90, 90, 90), 1.0))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(rect)
    (x0, x1), (y0, y1) = view.view_limits()
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
    xname, yname = view.axis_names
    bottom = rect.bottom() + 6 + fm.height() + fm.ascent()
    painter.drawText(QPointF(rect.center().x() - fm.horizontalAdvance(xname) / 2, bottom), xname)
    painter.save()
    painter.translate(4 + fm.ascent(), rect.center().y() + fm.horizontalAdvance(yname) / 2)
    painter.rotate(-90)
    painter.drawText(QPointF(0, 0), yname)
    painter.restore()
    if view.title:
        bold = QFont(view.font())
        bold.setBold(True)
        painter.save()
        painter.setFont(bold)
        title = painter.fontMetrics().elidedText(
            view.title, Qt.TextElideMode.ElideRight, view.width() - 8
        )
        width = painter.fontMetrics().horizontalAdvance(title)
        x = min(max(4.0, rect.center().x() - width / 2), view.width() - 4 - width)
        painter.drawText(QPointF(x, 4 + fm.ascent()), title)
        painter.restore()
    if len(view._selection):
        note = f"{len(view._selection)} selected"
        painter.drawText(QPointF(rect.left() + 4, rect.top() + 3 + fm.ascent()), note)


def colorbar(view: MapView):
    """The colorbar of the colours shown (None: categories or no colours)."""
    return None if view._colours is None else view._colours.colorbar


def paint_key(view: MapView, painter: QPainter, rect: QRectF) -> None:
    fm = view.fontMetrics()
    bar = colorbar(view)
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
            view.width() - 6 - fm.ascent(),
            strip.center().y() - fm.horizontalAdvance(bar.label) / 2,
        )
        painter.rotate(90)
        painter.drawText(QPointF(0, 0), bar.label)
        painter.restore()
        return
    legend = view._colours.legend if view._colours is not None else ()
    layout = _legend_layout(view, rect.height())
    if layout is None:
        return
    names, rows, title = layout
    line = fm.height()
    box = legend_box(view, rect)
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


def _legend_layout(view: MapView, height: float) -> tuple[list[str], int, str] | None:
    """(names shown, rows, title) of the legend beside a plot ``height`` pixels tall,
    None without one."""
    colours = view._colours
    if colours is None or not colours.legend or colorbar(view) is not None:
        return None
    legend = colours.legend
    line = view.fontMetrics().height()
    rows = min(len(legend), max(1, int((height - 10) // line) - 1))
    names = [name for name, _ in legend[:rows]]
    if rows < len(legend):
        names[-1] = f"… {len(legend) - rows + 1} more"
    return names, rows, colours.legend_title


def legend_width(view: MapView, height: float) -> float:
    """The width of the legend's box (0 without one): the plot area leaves it room at
    its right, so the legend never covers a dot."""
    layout = _legend_layout(view, height)
    if layout is None:
        return 0.0
    names, _, title = layout
    fm = view.fontMetrics()
    width = max(fm.horizontalAdvance(n) for n in names) + fm.height() + 14
    return float(max(width, fm.horizontalAdvance(title) + 12))


def legend_box(view: MapView, rect: QRectF) -> QRectF:
    """The legend's box, right of the plot area ``rect``, at its top."""
    layout = _legend_layout(view, rect.height())
    if layout is None:
        return QRectF()
    _, rows, title = layout
    line = view.fontMetrics().height()
    height = (rows + (1 if title else 0)) * line + 8
    return QRectF(rect.right() + 8, rect.top(), legend_width(view, rect.height()), height)
