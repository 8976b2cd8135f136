"""What is picked on the map: a hovered or clicked point (its image, reconstruction and
nearest neighbours in latent space) and a lasso or rectangle selection (its images, label
counts and actions: decode the mean z, interpolation endpoints, export). A collaborator of
:class:`~explorer.gui.map.projection_panel.ProjectionPanel`; images are read in workers (files
may be decoded), never on the GUI thread, but for the hover box's single image.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog

from explorer.core.errors import ExplorerError, InvalidParameter
from explorer.core.output.map_colours import classes_of
from explorer.core.stats.maps import map_codes
from explorer.gui.tasks.workers import report_error
from explorer.gui.widgets import dialog_folders
from explorer.gui.widgets.grid_view import to_qimage

if TYPE_CHECKING:
    from explorer.gui.map.projection_panel import ProjectionPanel


def nearest_rows(state, z: np.ndarray, row: int, k: int, ds, indices) -> tuple:
    """Worker: the ``k`` rows nearest to ``row`` in latent space, and their images."""
    from explorer.core.stats.map_geometry import nearest_neighbours

    found = np.asarray(nearest_neighbours(z, row, k), dtype=np.int64)
    return found, images_of(state, ds, found if indices is None else indices[found])


def images_of(state, ds, indices: np.ndarray) -> np.ndarray:
    """Worker: data set images ``indices`` (files are decoded: not on the GUI thread)."""
    images = []
    for i in indices:
        state.check()
        images.append(ds.image(int(i)))
    return np.stack(images)


def point_labels(enc: Any) -> np.ndarray | None:
    """One label per point, or None (no labels, or several attributes per point)."""
    if enc.labels is None:
        return None
    labels = np.asarray(enc.labels)
    return labels if labels.ndim == 1 else None


def write_selection_job(state, path, ds, indices, z, labels, model: str, dataset: str):
    """Worker: the selection's images read and written with its indices and z (.npz)."""
    from explorer.core.output.selection_file import write_selection
    from explorer.core.progress import ensure_state

    images = images_of(ensure_state(state), ds, indices) if len(indices) else np.zeros(0)
    return write_selection(path, indices, images, z, labels, model=model, dataset=dataset)


class MapPicks:
    """Points and selections of a :class:`ProjectionPanel` (its ``picks``): the clicked
    point and the selection (encoded rows of the panel's slot) and what is done with them."""

    def __init__(self, panel: ProjectionPanel) -> None:
        self.panel = panel
        self.selected = np.zeros(0, dtype=np.int64)  # encoded rows of the selection
        self.clicked: tuple[str, int] = ("", -1)  # slot and encoded row of the clicked point
        self.clicked_enc: Any = None  # the encodings the clicked point's neighbours are of
        self.selection_text = ""

    # ------------------------------------------------------------------ points
    def index_of(self, row: int, enc: Any = None) -> int:
        """Data set index of encoded ``row`` (of the map's slot unless ``enc`` is given)."""
        enc = self.panel.data(self.panel.slot_name) if enc is None else enc
        return int(enc.indices[row]) if enc.indices is not None else int(row)

    def _label_text(self, row: int) -> str:
        enc = self.panel.data(self.panel.slot_name)
        labels = None if enc is None else enc.labels
        if labels is None:
            return ""
        label = np.asarray(labels)[row]
        names = enc.label_names
        if np.ndim(label) == 0 and names and 0 <= int(label) < len(names):
            return f"label {names[int(label)]}"
        return f"label {label}" if np.ndim(label) == 0 else ""

    def thumbnail(self, point: int) -> tuple[QImage | None, str]:
        """The hover box of map point ``point``: its image and ``#index label``."""
        ds = self.panel.data(f"dataset{self.panel.slot_name}") if self.panel.slot_name else None
        if ds is None or not 0 <= point < len(self.panel.rows):
            return None, ""
        row = int(self.panel.rows[point])
        index = self.index_of(row)
        return to_qimage(ds.image(index)), f"#{index} {self._label_text(row)}".strip()

    def point_clicked(self, point: int) -> None:
        if 0 <= point < len(self.panel.rows):
            self.show_point(self.panel.slot_name, int(self.panel.rows[point]))

    def show_point(self, slot: str, row: int) -> None:
        """Encoded row ``row`` of ``slot``: image, reconstruction, k nearest in latent space."""
        enc, ds = self.panel.data(slot), self.panel.data(f"dataset{slot}")
        if enc is None or ds is None:
            return
        index = self.index_of(row, enc)
        label = self._label_text(row) if slot == self.panel.slot_name else ""
        self.panel.details.show_point(
            ds.image(index),
            f"image #{index}{', ' + label if label else ''} (left) and its reconstruction "
            f"by {slot} (right)",
        )
        self.panel.reconstruct(slot, index, self.panel.details.show_reconstruction)
        k = self.panel.details.k.value()
        self.panel.map.set_marked(self._map_points([row]))
        if k:
            self.panel.runner.start(
                "neighbours", nearest_rows, map_codes(enc), row, k, ds, enc.indices,
                on_done=self._neighbours,
            )  # fmt: skip
        else:
            self.panel.details.show_neighbours(np.zeros((0, 1, 1, 1), np.uint8))
        self.clicked = (slot, row)
        self.clicked_enc = enc

    def _neighbours(self, result: tuple) -> None:
        found, images = result
        slot, row = self.clicked
        if self.panel.data(slot) is not self.clicked_enc:  # the slot's data changed meanwhile
            return
        self.panel.details.show_neighbours(images)
        if slot == self.panel.slot_name and self.panel.enc is self.clicked_enc:  # rings on this map
            self.panel.map.set_marked(self._map_points([row, *found]))

    def _map_points(self, rows) -> np.ndarray:
        """Map points (positions in :attr:`rows`) of encoded ``rows`` that are on the map."""
        rows = np.asarray(rows, dtype=np.int64)
        where = np.searchsorted(self.panel.rows, rows)
        where = np.clip(where, 0, max(len(self.panel.rows) - 1, 0))
        return where[self.panel.rows[where] == rows] if len(self.panel.rows) else where[:0]

    # ------------------------------------------------------------------ selection
    def selection_changed(self, points: np.ndarray) -> None:
        points = np.asarray(points, dtype=np.int64)
        self.selected = self.panel.rows[points] if len(points) else np.zeros(0, dtype=np.int64)
        enc, ds = (
            self.panel.data(self.panel.slot_name),
            self.panel.data(f"dataset{self.panel.slot_name}"),
        )
        if not len(self.selected) or enc is None or ds is None:
            self.panel.runner.cancel("selection")
            self.panel.details.set_selection_size(0)
            return
        from explorer.gui.map.map_details import SHOWN

        n = len(self.selected)
        shown = self.selected[np.unique(np.linspace(0, n - 1, min(n, SHOWN)).astype(np.int64))]
        indices = shown if enc.indices is None else np.asarray(enc.indices)[shown]
        text = f"{n} points selected"
        if n > SHOWN:
            text += f" ({SHOWN} of them shown, spread over the selection)"
        labels = point_labels(enc)
        if labels is not None:
            values, codes = classes_of(labels[self.selected])
            counts = np.bincount(codes)
            top = np.argsort(-counts, kind="stable")[:4]
            text += "; labels " + ", ".join(f"{values[i]}: {counts[i]}" for i in top)
        self.panel.details.set_selection_size(n)
        self.panel.details.selection_info.setText(text)
        self.selection_text = text
        self.panel.runner.start("selection", images_of, ds, indices, on_done=self._selection_images)

    def _selection_images(self, images: np.ndarray) -> None:
        if len(self.selected):
            self.panel.details.show_selection(images, self.selection_text)

    def mean_z(self) -> np.ndarray:
        """The mean code of the selection (a VAE's means)."""
        return map_codes(self.panel.data(self.panel.slot_name))[self.selected].mean(axis=0)

    def decode_mean(self) -> None:
        if not len(self.selected):
            return
        self.panel.on_model_thread(
            self.panel.slot_name,
            "decode",
            {"z": self.mean_z()[None]},
            lambda pixels: self.panel.details.show_decoded(pixels[0]),
            lambda text: self.panel.controls.ended(f"error: {text}", error=True),
        )

    def use_endpoints(self) -> None:
        """The first and last selected images become the sampler's interpolation endpoints."""
        if len(self.selected) < 2:
            return
        enc = self.panel.data(self.panel.slot_name)
        first, last = (self.index_of(r, enc) for r in (self.selected[0], self.selected[-1]))
        self.panel.endpointsChosen.emit(self.panel.slot_name, first, last)

    def export_selection(self, path: str) -> Any:
        """Write the selection's indices, images and z to ``path`` (.npz) here; the path
        written. The dialog does the same in a worker (:func:`write_selection_job`)."""
        return write_selection_job(None, path, *self._selection_data())

    def _selection_data(self) -> tuple:
        enc, ds = (
            self.panel.data(self.panel.slot_name),
            self.panel.data(f"dataset{self.panel.slot_name}"),
        )
        if enc is None or ds is None:
            raise InvalidParameter("the map's slot has no data any more")
        indices = np.array([self.index_of(int(r), enc) for r in self.selected], dtype=np.int64)
        labels = None if enc.labels is None else np.asarray(enc.labels)[self.selected]
        z = map_codes(enc)[self.selected]
        return ds, indices, z, labels, enc.model_name, enc.dataset_name

    def export_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self.panel,
            "Export selection",
            dialog_folders.start("selection.npz"),
            "NumPy archive (*.npz)",
        )
        dialog_folders.chosen(path)
        if not path:
            return
        try:
            data = self._selection_data()
        except ExplorerError as exc:
            self.panel.controls.ended(f"error: {report_error(exc)}", error=True)
            return
        self.panel.controls.started(f"exporting {len(self.selected)} images…")
        task = self.panel.runner.start(
            "export", write_selection_job, path, *data,
            on_done=self._exported,
        )  # fmt: skip
        self.panel.controls.follow(task)

    def _exported(self, written: Any) -> None:
        self.panel.controls.ended(f"wrote {written}")
