"""A decoded grid (and its sharpened copy beside it), scaled crisply to the space available."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget


def to_qimage(array: np.ndarray) -> QImage:
    """A QImage that owns a copy of a uint8 (h, w) or (h, w, 3) array."""
    a = np.ascontiguousarray(array)
    if a.ndim == 3 and a.shape[2] == 1:
        a = np.ascontiguousarray(a[..., 0])
    h, w = a.shape[:2]
    if a.ndim == 2:
        return QImage(a.data, w, h, a.strides[0], QImage.Format.Format_Grayscale8).copy()
    return QImage(a.data, w, h, a.strides[0], QImage.Format.Format_RGB888).copy()


class GridView(QWidget):
    """Paints the plain grid and, when shown, the sharpened grid; a click names the tile."""

    tileClicked = Signal(int)
    menuRequested = Signal(QPoint)  # noqa: N815 - Qt naming; a right-click, global position

    def __init__(self, title: str, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.title = title
        self.message = "loading…"
        self.images: list[QImage] = []
        self.pixmaps: list[QPixmap] = []
        self.layout_info: tuple[int, int, int, int, int] | None = None  # rows, cols, pad, h, w
        self.show_sharpened = True
        self.captions: tuple[str, ...] = ("decoded", "sharpened")  # below each grid
        self.selected: int | None = None
        self._rects: list[QRectF] = []
        self.setMinimumSize(240, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(
            lambda pos: self.menuRequested.emit(self.mapToGlobal(pos))
        )

    def sizeHint(self) -> QSize:
        return QSize(640, 420)

    def set_grid(self, plain: np.ndarray, sharp: np.ndarray | None, layout: tuple) -> None:
        """Show new grids; ``layout`` is (rows, cols, padding, tile_h, tile_w)."""
        self.images = [to_qimage(plain)] + ([to_qimage(sharp)] if sharp is not None else [])
        self.pixmaps = [QPixmap.fromImage(image) for image in self.images]
        self.layout_info = tuple(layout)
        self.message = ""
        self.selected = None
        self.update()

    def set_message(self, text: str) -> None:
        """Show ``text`` instead of (or over) the grid: loading, empty slot, errors."""
        self.message = text
        self.update()

    def clear(self, text: str = "empty slot") -> None:
        self.images, self.pixmaps, self.layout_info, self.selected = [], [], None, None
        self.set_message(text)

    def set_show_sharpened(self, show: bool) -> None:
        self.show_sharpened = show
        self.update()

    def shown_images(self) -> list[QImage]:
        return self.images if self.show_sharpened else self.images[:1]

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), self.palette().window())
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        title_h = self.fontMetrics().height() + 6
        p.drawText(QRect(0, 0, self.width(), title_h), Qt.AlignmentFlag.AlignCenter, self.title)
        images = self.shown_images()
        self._rects = []
        if images:
            for target, caption in self._placements(images, title_h):
                p.drawPixmap(target, self.pixmaps[len(self._rects)], QRectF(self.pixmaps[0].rect()))
                self._rects.append(target)
                below = QRectF(target.x(), target.bottom(), target.width(), title_h)
                p.drawText(below, Qt.AlignmentFlag.AlignCenter, caption)
            self._draw_selection(p)
        if self.message:
            p.setPen(QColor("#a00") if self.message.startswith("error") else QColor("#444"))
            p.drawText(
                self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.message
            )
        p.end()

    def _placements(self, images: list[QImage], title_h: int) -> list[tuple[QRectF, str]]:
        """Target rectangles side by side or stacked, whichever shows the grids larger."""
        n, gap = len(images), 8
        iw, ih = images[0].width(), images[0].height()
        W, H = self.width(), self.height() - title_h
        side = min((W - gap * (n - 1)) / n / iw, (H - title_h) / ih)
        stack = min(W / iw, (H - n * title_h) / n / ih)
        scale = max(side, stack, 0.05)
        if scale >= 1:
            scale = float(int(scale))  # whole-pixel zoom: every tile gets the same pixels
        w, h = iw * scale, ih * scale
        out = []
        x: float
        y: float
        for i in range(n):
            if side >= stack:
                cell_w = (W - gap * (n - 1)) / n
                x, y = i * (cell_w + gap) + (cell_w - w) / 2, title_h
            else:
                x, y = (W - w) / 2, title_h + i * (h + title_h)
            out.append((QRectF(x, y, w, h), self.captions[min(i, len(self.captions) - 1)]))
        return out

    def _tile_rect(
        self, target: QRectF, index: int, layout: tuple[int, int, int, int, int]
    ) -> QRectF:
        rows, cols, pad, h, w = layout
        s = target.width() / (cols * (w + pad) + pad)
        r, c = divmod(index, cols)
        return QRectF(
            target.x() + (pad + c * (w + pad)) * s,
            target.y() + (pad + r * (h + pad)) * s,
            w * s,
            h * s,
        )

    def tile_image(self, index: int) -> QImage | None:
        """Tile ``index`` of the decoded grid at its own pixels (``None`` without a grid)."""
        if self.layout_info is None or not self.images:
            return None
        rows, cols, pad, h, w = self.layout_info
        r, c = divmod(index, cols)
        return self.images[0].copy(pad + c * (w + pad), pad + r * (h + pad), w, h)

    def _draw_selection(self, p: QPainter) -> None:
        if self.selected is None or self.layout_info is None:
            return
        p.setPen(QColor("#e6194b"))
        for target in self._rects:
            p.drawRect(self._tile_rect(target, self.selected, self.layout_info))

    def tile_at(self, x: float, y: float) -> int | None:
        """Index (row-major) of the tile under widget point (x, y), or None."""
        if self.layout_info is None:
            return None
        rows, cols, pad, h, w = self.layout_info
        for target in self._rects:
            if target.contains(x, y):
                s = target.width() / (cols * (w + pad) + pad)
                gx, gy = (x - target.x()) / s - pad, (y - target.y()) / s - pad
                c, r = int(gx // (w + pad)), int(gy // (h + pad))
                if 0 <= r < rows and 0 <= c < cols:
                    return r * cols + c
        return None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        index = self.tile_at(pos.x(), pos.y())
        if index is not None:
            self.selected = index
            self.update()
            self.tileClicked.emit(index)
