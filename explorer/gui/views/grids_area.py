"""Central area: grids of A and B side by side, and what a clicked tile is."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from explorer.gui.widgets.grid_view import GridView, to_qimage
from explorer.gui.widgets.object_names import named
from explorer.gui.widgets.scrolling import scroll_area

THUMB = 120  # 4x a 28x28 tile
TILE_HINT = (
    "Click a tile: it appears here enlarged, with its z-vector, radius and the nearest "
    "encoded image."
)


def nearest_row(z: np.ndarray, point: np.ndarray) -> tuple[int, float]:
    """Row of ``z`` nearest to ``point`` (Euclidean) and its distance."""
    z = np.asarray(z, dtype=np.float32)
    d2 = np.einsum("ij,ij->i", z - point, z - point)
    row = int(np.argmin(d2))
    return row, float(np.sqrt(d2[row]))


class GridsArea(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.views = {n: GridView(f"slot {n}", f"gridView{n}") for n in ("A", "B")}
        self.shown_tile: tuple[str, int] | None = None  # (slot, tile index) described
        for view in self.views.values():
            view.set_message("loading…")
        self.tile_text = named(QLabel(TILE_HINT, wordWrap=True), "tileInfo")
        self.tile_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.tile_text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.zoom = _framed(named(QLabel(), "tileZoom"))  # the clicked tile, enlarged
        self.zoom.setToolTip("the clicked tile, enlarged by whole pixels")
        self.thumb = _framed(named(QLabel(), "tileNearest"))
        self.thumb.setToolTip("the nearest encoded data set image")
        # the clicked tile's column at the right: the grids keep the whole height
        text = scroll_area(self.tile_text, "tileInfoScroll", sideways=True)
        info = QVBoxLayout()
        info.addWidget(self.zoom)
        info.addWidget(self.thumb)
        info.addWidget(text, 1)
        column = named(QWidget(), "tileColumn")
        column.setLayout(info)
        column.setFixedWidth(THUMB + 40)
        info.setContentsMargins(0, 0, 0, 0)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.views["A"], 1)
        layout.addWidget(self.views["B"], 1)
        layout.addWidget(column)

    def set_show_sharpened(self, show: bool) -> None:
        for view in self.views.values():
            view.set_show_sharpened(show)

    def show_tile(self, slot: str, index: int, z: np.ndarray, enc: Any, dataset: Any) -> None:
        """Describe tile ``index`` of ``slot``: z, radius, nearest encoded image."""
        self.shown_tile = (slot, index)
        z = np.asarray(z, dtype=np.float64)
        values = ", ".join(f"{v:.2f}" for v in z)
        text = (
            f"<b>{slot}, tile {index}</b>: radius |z| = {np.linalg.norm(z):.3f}<br>z = [{values}]"
        )
        tile = self.views[slot].tile_image(index)
        if tile is not None:
            self.zoom.setPixmap(_enlarged(QPixmap.fromImage(tile)))
        if enc is not None and dataset is not None:
            row, dist = nearest_row(enc.z, z.astype(np.float32))
            image_index = int(enc.indices[row]) if enc.indices is not None else row
            label = "" if enc.labels is None else f", label {enc.labels[row]}"
            text += f"<br>nearest encoded image (below the enlarged tile): #{image_index}{label}, distance {dist:.3f}"
            self.thumb.setPixmap(
                _enlarged(QPixmap.fromImage(to_qimage(dataset.image(image_index))))
            )
        self.tile_text.setText(text)

    def clear_tile(self) -> None:
        """No tile described (its grid was replaced by one without it, or cleared)."""
        self.shown_tile = None
        self.zoom.clear()
        self.thumb.clear()
        self.tile_text.setText(TILE_HINT)


def _framed(label: QLabel) -> QLabel:
    label.setFixedSize(THUMB, THUMB)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setFrameShape(QFrame.Shape.StyledPanel)
    return label


def _enlarged(pixmap: QPixmap) -> QPixmap:
    """``pixmap`` enlarged by the largest whole factor that fits a thumbnail (crisp pixels)."""
    factor = max(1, (THUMB - 4) // max(pixmap.width(), pixmap.height(), 1))
    return pixmap.scaled(
        pixmap.width() * factor,
        pixmap.height() * factor,
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.FastTransformation,
    )
