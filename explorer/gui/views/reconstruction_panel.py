"""Reconstructions, A and B side by side: data set images (validation split by default) or
image files dropped onto the view; the originals in the first row, a row per model, and the
per-image losses below. Export writes what ``latent-explorer reconstruct`` writes.

The panel is given callables by the window (as the t-SNE panel is): ``slots()`` the loaded
slots in order, ``request(slot, op, payload, on_done, on_error)`` to run an operation on a
slot's model thread, ``dataset(slot)`` and ``model(slot)`` the slot's data set and model.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from explorer.gui.widgets import dialog_folders
from explorer.gui.widgets.grid_view import to_qimage
from explorer.gui.widgets.object_names import named


class _Pixels(QWidget):
    """An image scaled by the largest whole factor that fits (crisp pixels), centred."""

    def __init__(self) -> None:
        super().__init__()
        self.pixmap: QPixmap | None = None
        self.text = "Pick images (Next, Random) or drop image files here."
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 120)

    def sizeHint(self) -> QSize:
        return QSize(480, 200)

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        if self.pixmap is None:
            p.drawText(
                self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.text
            )
            return
        w, h = self.pixmap.width(), self.pixmap.height()
        scale = min(self.width() / w, self.height() / h)
        scale = float(int(scale)) if scale >= 1 else scale
        x, y = (self.width() - w * scale) / 2, (self.height() - h * scale) / 2
        p.drawPixmap(int(x), int(y), int(w * scale), int(h * scale), self.pixmap)


class ReconstructionPanel(QWidget):
    """The reconstructions view (objectName ``reconstructionView``)."""

    def __init__(
        self,
        slots: Callable[[], list[str]],
        request: Callable[..., Any],
        dataset: Callable[[str], Any],
        model: Callable[[str], Any],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("reconstructionView")
        self.slots, self.request, self.dataset, self.model = slots, request, dataset, model
        self.setAcceptDrops(True)
        self.split = named(QComboBox(), "reconstructionSplit")
        self.split.addItems(["validation", "train", "all"])
        self.count = named(QSpinBox(minimum=1, maximum=32, value=8), "reconstructionCount")
        self.buttons = {}
        row = QHBoxLayout()
        for key, text, tip in (
            ("previous", "◀ Previous", "the images before these (in the split)"),
            ("next", "Next ▶", "the next images of the split"),
            ("random", "Random", "random images of the split"),
            ("export", "Export…", "write PNG + JSON like latent-explorer reconstruct"),
        ):
            button = named(QPushButton(text), f"reconstruction{key.title()}")
            button.setToolTip(tip)
            row.addWidget(button)
            self.buttons[key] = button
        self.buttons["previous"].clicked.connect(lambda: self.step(-1))
        self.buttons["next"].clicked.connect(lambda: self.step(1))
        self.buttons["random"].clicked.connect(self.pick_random)
        self.buttons["export"].clicked.connect(self.export_dialog)
        row.addWidget(QLabel("from"))
        row.addWidget(self.split)
        row.addWidget(self.count)
        row.addStretch(1)
        self.view = _Pixels()
        self.table = named(QTableWidget(), "reconstructionTable")
        self.table.setMaximumHeight(130)
        self.status = named(QLabel(wordWrap=True), "reconstructionStatus")
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.table)
        layout.addWidget(self.status)
        self.images: np.ndarray | None = None
        self.entries: list[dict] = []
        self.chosen: dict = {}
        self.results: dict[str, Any] = {}
        self._start = 0  # first position in the split of the images shown
        self._rng = np.random.default_rng(0)
        self._asked: list[str] = []

    # ------------------------------------------------------------------ picking images
    def show_first(self) -> None:
        """The split's first images, when nothing is shown yet and a model is loaded (the
        window calls it when the view comes on the stage, or a model loads while it is)."""
        if self.images is None and self.slots():
            self.step(0)

    def _pool(self) -> tuple[Any, np.ndarray] | None:
        """The data set of the first loaded slot and the indices of the chosen split, split
        as the models' training split it (their ``meta.json``; else 10%, seed 0)."""
        from explorer.core.latent.reconstruct import split_pool, training_split

        slots = self.slots()
        ds = self.dataset(slots[0]) if slots else None
        if ds is None:
            self.status.setText("load a model first")
            return None
        split = training_split([self.model(s) for s in slots], ds)
        return ds, split_pool(len(ds), self.split.currentText(), split)

    def step(self, direction: int) -> None:
        """Show the previous or next ``count`` images of the chosen split."""
        pool = self._pool()
        if pool is None:
            return
        ds, indices = pool
        count = self.count.value()
        self._start = (self._start + direction * count) % max(len(indices), 1)
        picked = np.take(indices, np.arange(self._start, self._start + count), mode="wrap")
        self.show_indices(ds, picked)

    def pick_random(self) -> None:
        pool = self._pool()
        if pool is None:
            return
        ds, indices = pool
        count = min(self.count.value(), len(indices))
        self.show_indices(ds, np.sort(self._rng.choice(indices, size=count, replace=False)))

    def show_indices(self, ds: Any, indices: np.ndarray) -> None:
        """Reconstruct data set images ``indices`` with every loaded slot."""
        from explorer.core.latent.reconstruct import dataset_entries

        images = np.stack([ds.image(int(i)) for i in indices])
        chosen = {"dataset": ds.name, "indices": [int(i) for i in indices],
                  "split": self.split.currentText()}  # fmt: skip
        self._reconstruct(images, dataset_entries(ds, indices), chosen)

    def show_files(self, files: list[str]) -> None:
        """Reconstruct image files (read as folders are for training, on slot A's thread)."""
        slots = self.slots()
        if not slots:
            self.status.setText("load a model first")
            return
        self.status.setText(f"reading {len(files)} file(s)…")
        self.request(
            slots[0],
            "read_files",
            {"files": files},
            lambda images: self._reconstruct(
                images, [{"file": f} for f in files], {"files": list(files)}
            ),
            self._failed,
        )

    # ------------------------------------------------------------------ results
    def _reconstruct(self, images: np.ndarray, entries: list[dict], chosen: dict) -> None:
        self.images, self.entries, self.chosen, self.results = images, entries, chosen, {}
        self._asked = self.slots()
        self.status.setText(f"reconstructing {len(images)} image(s) with {', '.join(self._asked)}…")
        for slot in self._asked:
            self.request(
                slot,
                "reconstructions",
                {"images": images},
                lambda rec, s=slot: self._arrived(s, rec),
                self._failed,
            )

    def _failed(self, text: str) -> None:
        self.status.setText(f"error: {text}")

    def _arrived(self, slot: str, rec: Any) -> None:
        self.results[slot] = rec
        if set(self.results) >= set(self._asked):
            self._show()

    def recs(self) -> list[Any]:
        return [self.results[s] for s in self._asked if s in self.results]

    def _show(self) -> None:
        from explorer.core.latent.reconstruct import tile_rows

        recs = self.recs()
        assert self.images is not None, "results come only for images asked for"
        self.view.pixmap = QPixmap.fromImage(to_qimage(tile_rows(self.images, recs)))
        self.view.update()
        labels = [f"#{e['index']}" if "index" in e else Path(e["file"]).name for e in self.entries]
        self.table.setColumnCount(len(labels))
        self.table.setHorizontalHeaderLabels(labels)
        rows = [
            (f"{s}: loss ({r.loss_kind})", r.loss, "{:.1f}")
            for s, r in zip(self._asked, recs, strict=True)
        ]
        rows += [(f"{s}: MSE", r.mse, "{:.4f}") for s, r in zip(self._asked, recs, strict=True)]
        self.table.setRowCount(len(rows))
        self.table.setVerticalHeaderLabels([name for name, _, _ in rows])
        for i, (_, values, fmt) in enumerate(rows):
            for j, v in enumerate(values):
                self.table.setItem(i, j, QTableWidgetItem(fmt.format(float(v))))
        means = "; ".join(
            f"{s} ({r.model.name}): mean loss {r.loss.mean():.1f}, MSE {r.mse.mean():.4f}, "
            f"from {r.reconstructed_from}"
            for s, r in zip(self._asked, recs, strict=True)
        )
        self.status.setText(f"row 1: the originals; then {', '.join(self._asked)}. {means}")

    # ------------------------------------------------------------------ export / drops
    def export(self, path: str | Path) -> list[Path]:
        """Write PNG + JSON of the reconstructions on screen, as the command line does."""
        from explorer.core.errors import ExplorerError
        from explorer.core.latent.reconstruct import write_reconstruction

        if self.images is None or not self.recs():
            raise ExplorerError("no reconstructions to export yet")
        return write_reconstruction(path, self.images, self.recs(), self.entries, self.chosen)

    def export_dialog(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        from explorer.core.errors import ExplorerError

        path, _ = QFileDialog.getSaveFileName(
            self, "Export reconstructions", dialog_folders.start("rec.png"), "PNG (*.png)"
        )
        dialog_folders.chosen(path)
        if not path:
            return
        try:
            written = self.export(path)
        except (ExplorerError, OSError) as exc:
            QMessageBox.warning(self, "Export failed", str(exc))
            return
        self.status.setText("wrote " + ", ".join(p.name for p in written))

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        files = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if files:
            self.show_files(files)
            event.acceptProposedAction()
