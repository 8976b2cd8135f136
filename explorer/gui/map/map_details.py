"""Beside the map: the clicked point (image, reconstruction, k nearest neighbours in latent
space) and the selection (its images as a grid, with its three actions).

The panel shows what :class:`~explorer.gui.map.projection_panel.ProjectionPanel` hands it; the
actions are signals the projection panel turns into work on the slot's model thread or in
the window (decode the selection's mean z, use it as interpolation endpoints, export it).
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from explorer.gui.widgets.grid_view import GridView, to_qimage
from explorer.gui.widgets.object_names import named

THUMB = 84
SHOWN = 64  # images of a selection shown in its grid


def thumb(image: np.ndarray, size: int = THUMB) -> QPixmap:
    """A uint8 image scaled (without smoothing) to fit ``size`` pixels."""
    return QPixmap.fromImage(to_qimage(image)).scaled(
        size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation
    )


def grid_of(images: np.ndarray) -> tuple[np.ndarray, tuple]:
    """``images`` tiled into a near-square grid, and the grid's layout for a GridView."""
    from explorer.core.util.imaging import tile_grid

    n = len(images)
    cols = max(1, math.ceil(math.sqrt(n)))
    rows = max(1, math.ceil(n / cols))
    h, w = images.shape[1:3]
    return tile_grid(images, rows, cols, padding=2), (rows, cols, 2, h, w)


def _picture(name: str) -> QLabel:
    label = named(QLabel(), name)
    label.setFixedSize(THUMB, THUMB)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setStyleSheet("border: 1px solid #bbb;")
    return label


class MapDetails(QWidget):
    """The clicked point and the selection; emits the selection's actions."""

    decodeMeanRequested = Signal()
    endpointsRequested = Signal()
    exportRequested = Signal()
    neighboursChanged = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.original = _picture("pointImage")
        self.rebuilt = _picture("pointReconstruction")
        self.point_info = named(
            QLabel(
                "click a point: its image, reconstruction and nearest neighbours", wordWrap=True
            ),
            "pointInfo",
        )
        self.k = named(QSpinBox(minimum=0, maximum=64, value=8), "mapNeighbours")
        self.k.setToolTip("nearest neighbours in latent space shown for a clicked point")
        self.k.valueChanged.connect(self.neighboursChanged)
        self.neighbours = GridView("nearest in latent space", "neighboursView")
        self.neighbours.setMinimumSize(160, 110)
        self.neighbours.setMaximumHeight(260)
        self.neighbours.captions = ("",)
        self.neighbours.clear("")
        self.selection = GridView("selection", "selectionView")
        self.selection.setMinimumSize(160, 150)
        self.selection.setMaximumHeight(360)
        self.selection.captions = ("",)
        self.selection.clear("Shift+drag: lasso; Ctrl+drag: rectangle")
        self.selection_info = named(QLabel(wordWrap=True), "selectionInfo")
        self.decode_button = named(QPushButton("Decode mean z"), "selectionDecode")
        self.decode_button.setToolTip("decode the mean of the selected points' codes")
        self.endpoints_button = named(QPushButton("Endpoints"), "selectionEndpoints")
        self.endpoints_button.setToolTip(
            "use as interpolation endpoints: the sampler interpolates from the first to the "
            "last selected image"
        )
        self.export_button = named(QPushButton("Export…"), "selectionExport")
        self.export_button.setToolTip("indices, images and z of the selection as .npz")
        self.decoded = _picture("selectionDecoded")
        self.decoded.setToolTip("the selection's mean z, decoded")
        self.decode_button.clicked.connect(self.decodeMeanRequested)
        self.endpoints_button.clicked.connect(self.endpointsRequested)
        self.export_button.clicked.connect(self.exportRequested)
        self._lay_out()
        self.set_selection_size(0)

    def _lay_out(self) -> None:
        """Two parts, ``point_box`` and ``selection_box``, one below the other here; the
        map's panel shows each in a tab of its own."""
        self.point_box = point = named(QGroupBox("point"), "mapPoint")
        pics = QHBoxLayout()
        pics.addWidget(self.original)
        pics.addWidget(self.rebuilt)
        pics.addStretch(1)
        k_row = QHBoxLayout()
        k_row.addWidget(QLabel("neighbours"))
        k_row.addWidget(self.k)
        k_row.addStretch(1)
        column = QVBoxLayout(point)
        column.addLayout(pics)
        column.addWidget(self.point_info)
        column.addLayout(k_row)
        column.addWidget(self.neighbours, 1)
        self.selection_box = chosen = named(QGroupBox("selection"), "mapSelection")
        buttons = QHBoxLayout()
        for button in (self.decode_button, self.endpoints_button, self.export_button):
            buttons.addWidget(button)
        mean = QVBoxLayout()
        mean.addWidget(QLabel("mean z"))
        mean.addWidget(self.decoded)
        mean.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.selection, 1)
        row.addLayout(mean)
        column = QVBoxLayout(chosen)
        column.addWidget(self.selection_info)
        column.addLayout(buttons)
        column.addLayout(row, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(point)
        layout.addWidget(chosen)
        layout.addStretch(1)

    # ------------------------------------------------------------------ the point
    def show_point(self, image: np.ndarray, text: str) -> None:
        self.original.setPixmap(thumb(image))
        self.rebuilt.clear()
        self.point_info.setText(text)

    def show_reconstruction(self, image: np.ndarray) -> None:
        self.rebuilt.setPixmap(thumb(image))

    def show_neighbours(self, images: np.ndarray) -> None:
        if len(images) == 0:
            self.neighbours.clear("")
            return
        grid, layout = grid_of(images)
        self.neighbours.set_grid(grid, None, layout)

    # ------------------------------------------------------------------ the selection
    def set_selection_size(self, n: int) -> None:
        for button in (self.decode_button, self.endpoints_button, self.export_button):
            button.setEnabled(n > 0)
        self.endpoints_button.setEnabled(n > 1)
        if n == 0:
            self.selection.clear("Shift+drag: lasso; Ctrl+drag: rectangle")
            self.selection_info.setText("nothing selected")
            self.decoded.clear()

    def show_selection(self, images: np.ndarray, text: str) -> None:
        """Images of the selection (up to :data:`SHOWN`) and a line about all of it."""
        self.set_selection_size(len(images))
        self.selection_info.setText(text)
        self.decoded.clear()
        if len(images):
            grid, layout = grid_of(images[:SHOWN])
            self.selection.set_grid(grid, None, layout)

    def show_decoded(self, image: np.ndarray) -> None:
        self.decoded.setPixmap(thumb(image))
