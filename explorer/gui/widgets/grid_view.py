"""A decoded grid (and its sharpened copy beside it), scaled crisply to the space available."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Property, QPoint, QRect, QRectF, QSize, Qt, Signal
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
        self._shown_scale = 1.0  # of the grids painted last (a fraction below 1x)
        self._scale = 0  # its whole part: the Qt property ``scale`` (0: below 1x, or none)
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
        title_h = self.fontMetrics().height() + 4
        p.drawText(QRect(0, 0, self.width(), title_h), Qt.AlignmentFlag.AlignCenter, self.title)
        images = self.shown_images()
        self._rects = []
        if images and self.layout_info is not None:
            for i, (target, caption) in enumerate(self._placements(images, title_h)):
                self._paint_tiles(p, self.pixmaps[i], target)
                self._rects.append(target)
                if caption:  # beside the grid, read bottom to top
                    p.save()
                    p.translate(target.left() - 4, target.center().y())
                    p.rotate(-90)
                    w = self.fontMetrics().horizontalAdvance(caption) + 8
                    p.drawText(
                        QRectF(-w / 2, -title_h, w, title_h), Qt.AlignmentFlag.AlignCenter, caption
                    )
                    p.restore()
            self._draw_selection(p)
        if self.message:
            p.setPen(QColor("#a00") if self.message.startswith("error") else QColor("#444"))
            p.drawText(
                self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.message
            )
        p.end()

    def _paint_tiles(self, p: QPainter, pixmap: QPixmap, target: QRectF) -> None:
        """Every tile of ``pixmap`` (a grid with its padding) into its place in ``target``."""
        assert self.layout_info is not None
        rows, cols, pad, h, w = self.layout_info
        for index in range(rows * cols):
            r, c = divmod(index, cols)
            source = QRectF(pad + c * (w + pad), pad + r * (h + pad), w, h)
            p.drawPixmap(self._tile_rect(target, index, self.layout_info), pixmap, source)

    def _gap(self, scale: float) -> float:
        """Screen pixels between tiles: the grid's own padding at 1x and below (scaled),
        one pixel from 2x on (whole-pixel tiles get the room)."""
        pad = self.layout_info[2] if self.layout_info is not None else 2
        return 1.0 if scale >= 2 else pad * min(scale, 1.0)

    def _extent(self, scale: float) -> tuple[float, float]:
        """Width and height of one grid drawn at ``scale``."""
        assert self.layout_info is not None
        rows, cols, _, h, w = self.layout_info
        gap = self._gap(scale)
        return cols * w * scale + (cols - 1) * gap, rows * h * scale + (rows - 1) * gap

    def _fit(self, width: float, height: float) -> float:
        """The largest scale at which one grid fits ``width`` x ``height``: a whole number
        from 1 on (every image pixel the same number of screen pixels), else a fraction."""
        assert self.layout_info is not None
        rows, cols, _, h, w = self.layout_info
        s = 1
        while True:
            gw, gh = self._extent(s + 1)
            if gw > width or gh > height:
                break
            s += 1
        gw, gh = self._extent(s)
        if gw <= width and gh <= height:
            return float(s)
        pad = self.layout_info[2]  # below 1x the padding shrinks with the tiles
        return max(0.05, min(width / (cols * (w + pad) - pad), height / (rows * (h + pad) - pad)))

    def _placements(self, images: list[QImage], title_h: int) -> list[tuple[QRectF, str]]:
        """Where each grid goes, side by side or one below the other, whichever shows them
        larger, at :meth:`_fit`'s scale; captions (when not empty) go at each grid's left."""
        n, sep = len(images), 6
        captioned = any(self.captions)
        cap_w = self.fontMetrics().height() + 4 if captioned else 0
        W, H = self.width() - cap_w, self.height() - title_h
        side = self._fit((W - sep * (n - 1) - cap_w * (n - 1)) / n, H)
        stack = self._fit(W, (H - sep * (n - 1)) / n)
        scale = max(side, stack)
        self._shown_scale = scale
        self._scale = int(scale) if scale >= 1 else 0
        gw, gh = self._extent(scale)
        out = []
        for i in range(n):
            if side >= stack:
                cell = (W - (n - 1) * (sep + cap_w)) / n
                x = cap_w + i * (cell + sep + cap_w) + (cell - gw) / 2
                y = title_h + (H - gh) / 2 if n == 1 else title_h
            else:
                x = cap_w + (W - gw) / 2
                y = title_h + i * (gh + sep)
            caption = self.captions[min(i, len(self.captions) - 1)] if captioned else ""
            out.append((QRectF(round(x), round(y), gw, gh), caption))
        return out

    def _get_scale(self) -> int:
        return self._scale

    scale = Property(int, _get_scale)  # whole-pixel scale of the grids on screen (0: below 1x)

    def _tile_rect(
        self, target: QRectF, index: int, layout: tuple[int, int, int, int, int]
    ) -> QRectF:
        """Tile ``index``'s rectangle in a grid drawn at ``target``."""
        _, cols, _, h, w = layout
        scale, gap = self._shown_scale, self._gap(self._shown_scale)
        r, c = divmod(index, cols)
        return QRectF(
            target.x() + c * (w * scale + gap), target.y() + r * (h * scale + gap),
            w * scale, h * scale,
        )  # fmt: skip

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
                step_x = w * self._shown_scale + self._gap(self._shown_scale)
                step_y = h * self._shown_scale + self._gap(self._shown_scale)
                c, r = int((x - target.x()) // step_x), int((y - target.y()) // step_y)
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
