"""A matplotlib figure embedded in Qt (FigureCanvasQTAgg) that can be exported as PNG/SVG/PDF."""

from __future__ import annotations

import os

os.environ.setdefault("QT_API", "pyside6")

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QFileDialog, QMenu, QSizePolicy, QVBoxLayout, QWidget  # noqa: E402

FILTER = "PNG image (*.png);;SVG drawing (*.svg);;PDF document (*.pdf)"


class PlotCanvas(QWidget):
    """Owns one Figure (constrained layout); right-click offers "Export plot…"."""

    def __init__(self, name: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.title = title
        self.figure = Figure(figsize=(5, 3.5), dpi=90, layout="constrained")
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.canvas.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.canvas.setMinimumSize(260, 180)
        self._laid_out = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        self.canvas.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)

    def axes(self, rows: int = 1, cols: int = 1, **kwargs):
        """Clear the figure and return fresh axes (laid out again at the next draw)."""
        self.figure.clear()
        self.figure.set_layout_engine("constrained")
        return self.figure.subplots(rows, cols, **kwargs)

    def message(self, text: str) -> None:
        """An empty plot saying ``text`` (waiting for data, nothing to show)."""
        self.figure.clear()
        self.figure.text(0.5, 0.5, text, ha="center", va="center", color="#666", wrap=True)
        self.redraw()

    def redraw(self, relayout: bool = True) -> None:
        """Draw soon. ``relayout=False`` keeps the current layout (only data changed): the
        constrained-layout pass is most of a redraw's cost."""
        if not relayout and self._laid_out:
            self.figure.set_layout_engine("none")
        elif relayout:
            self.figure.set_layout_engine("constrained")
        self._laid_out = True
        self.canvas.draw_idle()

    def resizeEvent(self, event) -> None:
        self.figure.set_layout_engine("constrained")  # lay out again for the new size
        super().resizeEvent(event)

    def export(self, path: str | os.PathLike) -> None:
        """Save the figure; the suffix picks PNG, SVG or PDF."""
        from explorer.core.export import save_figure

        save_figure(self.figure, path)

    def _menu(self, pos) -> None:
        menu = QMenu(self)
        menu.addAction("Export plot…", self.export_dialog)
        menu.exec(self.mapToGlobal(pos))

    def export_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, f"Export {self.title}", "", FILTER)
        if path:
            self.export(path)
