"""Central area: grids of A and B side by side, and what a clicked tile is."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from explorer.gui.grid_view import GridView, to_qimage

THUMB = 84


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
        for view in self.views.values():
            view.set_message("loading…")
        self.tile_text = QLabel(
            "Click a tile to see its z-vector, radius and the nearest encoded training image.",
            objectName="tileInfo",
            wordWrap=True,
        )
        self.tile_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.tile_text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.thumb = QLabel(objectName="tileNearest")
        self.thumb.setFixedSize(THUMB, THUMB)
        self.thumb.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumb.setFrameShape(QFrame.Shape.StyledPanel)
        grids = QHBoxLayout()
        grids.addWidget(self.views["A"])
        grids.addWidget(self.views["B"])
        info = QHBoxLayout()
        info.addWidget(self.thumb)
        info.addWidget(self.tile_text, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(grids, 1)
        layout.addLayout(info)

    def set_show_sharpened(self, show: bool) -> None:
        for view in self.views.values():
            view.set_show_sharpened(show)

    def show_tile(self, slot: str, index: int, z: np.ndarray, enc: Any, dataset: Any) -> None:
        """Describe tile ``index`` of ``slot``: z, radius, nearest encoded image."""
        z = np.asarray(z, dtype=np.float64)
        values = ", ".join(f"{v:.2f}" for v in z)
        text = (
            f"<b>{slot}, tile {index}</b>: radius |z| = {np.linalg.norm(z):.3f}<br>z = [{values}]"
        )
        if enc is not None and dataset is not None:
            row, dist = nearest_row(enc.z, z.astype(np.float32))
            image_index = int(enc.indices[row]) if enc.indices is not None else row
            label = "" if enc.labels is None else f", label {enc.labels[row]}"
            text += f"<br>nearest encoded image (left): #{image_index}{label}, distance {dist:.3f}"
            pixmap = QPixmap.fromImage(to_qimage(dataset.image(image_index)))
            self.thumb.setPixmap(
                pixmap.scaled(
                    THUMB,
                    THUMB,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.FastTransformation,
                )
            )
        self.tile_text.setText(text)
