"""The map: t-SNE, UMAP or PCA of a slot's encoded data (a VAE by its means), forming live.

The method menu and each method's fields come from the core's declarations
(:data:`explorer.core.stats.maps.MAP_METHODS`), checked as the ``map`` command checks them.
A run is a task of the worker API: t-SNE hands a copy of its embedding to ``state.publish``
about every 50 iterations and the map shows each as it arrives (the view follows the map
until the user pans or zooms); UMAP shows its result when done; PCA is instant.

The map itself is a :class:`~explorer.gui.map_view.MapView` (dots drawn with NumPy, axes
painted by Qt: no matplotlib on the interaction path). Hover shows a point's image, a click
its image, reconstruction and nearest neighbours in latent space, Shift+drag or Ctrl+drag
select points (lasso, rectangle) for :class:`~explorer.gui.map_details.MapDetails`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QBoxLayout,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from explorer.core.errors import ExplorerError, InvalidParameter
from explorer.core.stats.maps import MAP_METHODS, SHARED_PARAMS, check_map_options
from explorer.gui.grid_view import to_qimage
from explorer.gui.map_details import MapDetails
from explorer.gui.map_view import MapView
from explorer.gui.param_fields import field_page, field_text, mark
from explorer.gui.task_controls import TaskControls, encoded_slot
from explorer.gui.workers import Runner, report_error

COLOURINGS = ("label", "radius", "component")
WIDE_PX = 900  # from this width options, map and details sit side by side
NARROW_MAP_PX = 300  # the map's height range when they are stacked
MAX_NARROW_MAP_PX = 560
QWIDGETSIZE_MAX = 16777215
NARROW_DETAILS_PX = 420
DRAG_MODES = {"pan": "drag pans", "lasso": "drag: lasso", "rect": "drag: rectangle"}


def run_map(state, z: np.ndarray, labels, method: str, options: dict, seed: int):
    """Worker: the map of the codes ``z`` (the rows chosen already); t-SNE frames go to
    ``state.publish`` as ``(xy, iteration)``."""
    from explorer.core.stats.maps import project

    def frame(xy: np.ndarray, iteration: int) -> None:
        state.publish((xy, iteration))

    return project(z, method, seed=seed, labels=labels, state=state, on_frame=frame, **options)


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


def label_counts(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The classes present and how many points each has (small whole numbers by counting:
    a lasso of half a million points stays quick)."""
    if labels.dtype.kind in "iu" and len(labels) and labels.min() >= 0 and labels.max() < 65536:
        counts = np.bincount(labels)
        present = np.flatnonzero(counts)
        return present, counts[present]
    return np.unique(labels, return_counts=True)


def codes_of(enc: Any) -> np.ndarray:
    """What a slot's data is mapped by: a VAE's means, an AE's codes."""
    return enc.mu if getattr(enc, "mu", None) is not None else enc.z


def class_labels(enc: Any) -> np.ndarray | None:
    """One class per point, or None (no labels, or several attributes per point)."""
    if enc.labels is None:
        return None
    labels = np.asarray(enc.labels)
    return labels if labels.ndim == 1 else None


class _Body(QWidget):
    """The panel's body. Its wrapped labels give it a height for each width, and a scroll
    area makes a widget with one that tall (its preferred height, not its minimum): side by
    side, the map would run off the bottom of the dock. So when ``fills`` (side by side)
    it has none: it fills the dock and scrolls only below its minimum size; stacked, it
    keeps it (the labels need their lines; the dock scrolls)."""

    fills = False

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt's name
        return not self.fills and super().hasHeightForWidth()


class ProjectionPanel(QWidget):
    """Method and options, Run/Cancel with progress, the map and what was picked on it."""

    endpointsChosen = Signal(str, int, int)  # slot, first and last data set index

    def __init__(
        self,
        runner: Runner,
        data: Callable[[str], Any],
        reconstruct: Callable[[str, int, Callable], None],
        on_model_thread: Callable,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner, self.data, self.reconstruct = runner, data, reconstruct
        self.on_model_thread = on_model_thread
        self.result: Any = None  # the MapResult on screen
        self.slot_name = ""  # whose encodings the map shows
        self._enc: Any = None  # those encodings
        self.rows = np.zeros(0, dtype=np.int64)  # encoded row of every map point
        self.selected = np.zeros(0, dtype=np.int64)  # encoded rows of the selection
        self._run: tuple | None = None  # (slot, enc, rows, method) of the run going on
        self._frames = 0
        self._clicked: tuple[str, int] = ("", -1)  # slot and encoded row of the clicked point
        self._selection_text = ""
        self._build()

    # ------------------------------------------------------------------ building
    def _build(self) -> None:
        self.slot = QComboBox(objectName="mapSlot")
        self.slot.addItems(["A", "B"])
        self.method = QComboBox(objectName="mapMethod")
        self.stack = QStackedWidget()
        self.fields: dict[str, dict[str, QWidget]] = {}
        for m in MAP_METHODS.values():
            self.method.addItem(m.label, m.name)
            page, self.fields[m.name] = field_page(
                m.params, lambda p, m=m: p.widget or m.name + p.key.title().replace("_", ""),
                self._options_changed, lambda p: self._options_changed(),
            )  # fmt: skip
            self.stack.addWidget(page)
        self.method.currentIndexChanged.connect(self._method_changed)
        self.method.currentIndexChanged.connect(self._options_changed)
        pca = [p for p in SHARED_PARAMS if p.name == "pca_dims"]  # points, seed: spin boxes
        self.shared_page, self.shared = field_page(
            pca, lambda p: p.widget, self._options_changed, lambda p: self._options_changed()
        )
        self.points = QSpinBox(objectName="mapPoints", minimum=2, maximum=2_000_000, value=2000)
        self.points.setSingleStep(1000)
        self.points.setToolTip("points mapped: a seeded sample, stratified by label")
        self.seed = QSpinBox(objectName="mapSeed", minimum=0, maximum=2**31 - 1, value=0)
        self.colour = QComboBox(objectName="mapColour")
        self.colour.addItems(COLOURINGS)
        self.colour.setToolTip("colour the points by label, radius ||z|| or one component")
        self.component = QSpinBox(objectName="mapComponent", minimum=0, maximum=4095)
        self.component.setToolTip("the component that colours the points")
        self.contours = QCheckBox("density contours", objectName="mapContours")
        self.mode = QComboBox(objectName="mapDragMode")
        for name, text in DRAG_MODES.items():
            self.mode.addItem(text, name)
        self.mode.setToolTip("what a drag does (Shift+drag: lasso, Ctrl+drag: rectangle)")
        self.controls = TaskControls("map")
        self.controls.runClicked.connect(self.run)
        self.controls.cancelClicked.connect(self.cancel)
        self.map = MapView(self)
        self.map.setObjectName("mapView")
        self.map.clear("choose a method and press Run")
        self.map.thumbnail = self.thumbnail
        self.details = MapDetails()
        for signal, slot in (
            (self.colour.currentIndexChanged, self.recolour),
            (self.component.valueChanged, self.recolour),
            (self.contours.toggled, self.map.set_contours),
            (self.mode.currentIndexChanged, self._mode_changed),
            (self.map.clicked, self.point_clicked),
            (self.map.selectionChanged, self.selection_changed),
            (self.details.decodeMeanRequested, self.decode_mean),
            (self.details.endpointsRequested, self.use_endpoints),
            (self.details.exportRequested, self.export_dialog),
        ):
            signal.connect(slot)
        self._lay_out()
        self._method_changed(self.method.currentIndex())
        self._options_changed()

    def _lay_out(self) -> None:
        form = QFormLayout()
        for label, widget in (("slot", self.slot), ("method", self.method)):
            form.addRow(label, widget)
        form.addRow(self.stack)
        form.addRow(self.shared_page)
        sample = QHBoxLayout()
        sample.addWidget(self.points, 1)
        sample.addWidget(QLabel("seed"))
        sample.addWidget(self.seed, 1)
        form.addRow("points", sample)
        colour = QHBoxLayout()
        colour.addWidget(self.colour, 1)
        colour.addWidget(self.component)
        form.addRow("colour by", colour)
        form.addRow(self.contours)
        form.addRow("mouse", self.mode)
        side = QVBoxLayout()
        side.addLayout(form)
        side.addWidget(self.controls)
        side.addStretch(1)
        self.split = QSplitter(Qt.Orientation.Horizontal)
        self.split.addWidget(self.map)
        self.split.addWidget(self.details)
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 2)
        self.split.setChildrenCollapsible(False)
        self.body = body = _Body()
        self.box = QBoxLayout(QBoxLayout.Direction.LeftToRight, body)
        self.box.addLayout(side)
        self.box.addWidget(self.split, 1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(body)
        self._watched: QWidget | None = None

    # ------------------------------------------------------------------ wide or narrow
    def showEvent(self, event) -> None:
        super().showEvent(event)
        room = self.parentWidget()  # the dock's scroll area: how wide the panel may be
        if room is not None and room is not self._watched:
            room.installEventFilter(self)
            self._watched = room
        self.arrange((room or self).width())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._watched and event.type() == QEvent.Type.Resize:
            self.arrange(watched.width())
        return False

    def arrange(self, width: int) -> None:
        """Options, map and details side by side when there is room (a bottom dock), else
        one below the other (a tab of the right-hand column on a short screen)."""
        wide = width >= WIDE_PX
        direction = QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        self.box.setDirection(direction)
        self.body.fills = wide
        self.body.updateGeometry()
        self.split.setOrientation(Qt.Orientation.Horizontal if wide else Qt.Orientation.Vertical)
        square = min(max(width - 20, NARROW_MAP_PX), MAX_NARROW_MAP_PX)  # about square
        self.map.setMinimumHeight(200 if wide else square)
        self.map.setMaximumHeight(QWIDGETSIZE_MAX if wide else square)
        self.details.setMinimumHeight(0 if wide else NARROW_DETAILS_PX)

    # ------------------------------------------------------------------ options
    def method_name(self) -> str:
        return self.method.currentData()

    def options(self) -> dict[str, Any]:
        """The current method's options and the PCA dimensions as their declarations read
        them (InvalidParameter)."""
        method = MAP_METHODS[self.method_name()]
        fields = {**self.fields[method.name], **self.shared}
        return {
            key: p.parse(field_text(fields[key]), what=p.label or key)
            if p.form != "choice"
            else field_text(fields[key])
            for p in (*method.params, *(q for q in SHARED_PARAMS if q.key in self.shared))
            for key in (p.key,)
        }

    def _options_changed(self, *_: Any) -> None:
        """Mark unreadable fields and say why; Run only with readable options."""
        errors = []
        pages = [(m.name, m.params, self.fields[m.name]) for m in MAP_METHODS.values()]
        shared = [q for q in SHARED_PARAMS if q.key in self.shared]
        for name, params, fields in [*pages, (self.method_name(), shared, self.shared)]:
            for p in params:
                widget = fields[p.key]
                if p.form == "choice":
                    continue
                try:
                    p.parse(field_text(widget), what=p.label or p.key)
                except InvalidParameter as exc:
                    mark(widget, str(exc))
                    if name == self.method_name():
                        errors.append(str(exc))
                else:
                    mark(widget, None)
        self.controls.run_button.setEnabled(not errors)
        if errors:
            self.controls.ended("; ".join(errors), error=True)
        self.component.setEnabled(self.colour.currentText() == "component")

    def _method_changed(self, index: int) -> None:
        """Show the method's page; hidden pages take no room (PCA has no fields)."""
        self.stack.setCurrentIndex(index)
        for i in range(self.stack.count()):
            policy = QSizePolicy.Policy.Preferred if i == index else QSizePolicy.Policy.Ignored
            self.stack.widget(i).setSizePolicy(policy, policy)
        self.stack.adjustSize()

    def _mode_changed(self) -> None:
        self.map.set_mode(self.mode.currentData())

    # ------------------------------------------------------------------ running
    def run(self) -> None:
        """Map the chosen slot's codes with the chosen method (a seeded, stratified sample)."""
        from explorer.core.stats.maps import stratified_subsample

        if (picked := encoded_slot(self)) is None:
            return
        slot, enc = picked
        method, z = self.method_name(), codes_of(enc)
        n = min(self.points.value(), len(z))
        try:
            options = check_map_options(method, n, self.options())
        except InvalidParameter as exc:
            self.controls.ended(f"error: {exc}", error=True)
            return
        rows = stratified_subsample(len(z), n, class_labels(enc), self.seed.value())
        labels = class_labels(enc)
        self._run, self._frames = (slot, enc, rows, method), 0
        label = MAP_METHODS[method].label
        self.controls.started(f"{label} of {n} points of slot {slot}…")
        task = self.runner.start(
            "map",
            run_map,
            np.ascontiguousarray(z[rows]),
            None if labels is None else labels[rows],
            method,
            options,
            self.seed.value(),
            on_done=self._done,
            on_partial=self._frame,
        )
        self.controls.follow(task)

    def cancel(self) -> None:
        self.runner.cancel("map")
        self._run = None
        self.controls.ended("cancelled")

    def _frame(self, frame: tuple[np.ndarray, int]) -> None:
        """A live frame of t-SNE: the points as they are at ``iteration``."""
        if self._run is None:
            return
        slot, enc, rows, method = self._run
        xy, iteration = frame
        title = f"{MAP_METHODS[method].label} of {len(rows)} points of slot {slot}, forming: "
        title += f"iteration {iteration}"
        if self._frames == 0:
            self._show(slot, enc, rows, xy, title, method)
        else:
            self.map.update_positions(xy)
            self.map.title = title
        self._frames += 1

    def _done(self, result: Any) -> None:
        if self._run is None:
            return
        slot, enc, rows, method = self._run
        self._run = None
        self.result = result
        title = f"{MAP_METHODS[method].label} of {len(rows)} points of slot {slot}"
        if self._frames:  # the map formed on screen: keep the user's view
            self.map.update_positions(result.xy)
            self.map.title = title
        else:
            self._show(slot, enc, rows[result.rows], result.xy, title, method)
        self.controls.ended(f"done: {len(result.xy)} points in {result.seconds:.1f} s")

    def _show(self, slot, enc, rows: np.ndarray, xy: np.ndarray, title: str, method: str) -> None:
        self.slot_name, self._enc, self.rows = slot, enc, np.asarray(rows, dtype=np.int64)
        self.selected = np.zeros(0, dtype=np.int64)
        self.details.set_selection_size(0)
        axis = MAP_METHODS[method].axis
        names = (f"{axis} 1", f"{axis} 2")
        self.map.set_points(xy, self.colours(), title=title, axis_names=names)

    def data_changed(self) -> None:
        """A slot's data changed (new model, data set, swap): a map of data that is gone
        (or a run for it) is dropped."""
        running = self._run is not None and self.data(self._run[0]) is not self._run[1]
        if running:
            self.cancel()
        if self.slot_name and self.data(self.slot_name) is not self._enc:
            self.result, self.slot_name, self._enc = None, "", None
            self.rows = self.selected = np.zeros(0, dtype=np.int64)
            self.details.set_selection_size(0)
            self.map.clear("the slot's data changed: press Run for a new map")

    # ------------------------------------------------------------------ colour
    def colours(self):
        """The points' colours by the chosen colouring."""
        from explorer.core.output.map_colours import MapColours

        enc = self.data(self.slot_name)
        if enc is None or not len(self.rows):
            return MapColours.by_label(None, n=len(self.rows))
        how = self.colour.currentText()
        if how == "label":
            labels = class_labels(enc)
            if labels is None:
                return MapColours.by_label(None, n=len(self.rows))
            return MapColours.by_label(labels[self.rows], enc.label_names)
        z = codes_of(enc)[self.rows]
        if how == "radius":
            return MapColours.by_value(np.linalg.norm(z, axis=1), "radius ||z||")
        j = min(self.component.value(), z.shape[1] - 1)
        return MapColours.by_value(z[:, j], f"component z[{j}]")

    def recolour(self, *_: Any) -> None:
        self.component.setEnabled(self.colour.currentText() == "component")
        if len(self.rows):
            self.map.set_colours(self.colours())

    # ------------------------------------------------------------------ points
    def _index(self, row: int) -> int:
        """Data set index of encoded ``row`` of the map's slot."""
        enc = self.data(self.slot_name)
        return int(enc.indices[row]) if enc.indices is not None else int(row)

    def _label_text(self, row: int) -> str:
        enc = self.data(self.slot_name)
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
        ds = self.data(f"dataset{self.slot_name}") if self.slot_name else None
        if ds is None or not 0 <= point < len(self.rows):
            return None, ""
        row = int(self.rows[point])
        index = self._index(row)
        return to_qimage(ds.image(index)), f"#{index} {self._label_text(row)}".strip()

    def point_clicked(self, point: int) -> None:
        if 0 <= point < len(self.rows):
            self.show_point(self.slot_name, int(self.rows[point]))

    def show_point(self, slot: str, row: int) -> None:
        """Encoded row ``row`` of ``slot``: image, reconstruction, k nearest in latent space."""
        enc, ds = self.data(slot), self.data(f"dataset{slot}")
        if enc is None or ds is None:
            return
        index = int(enc.indices[row]) if enc.indices is not None else row
        label = self._label_text(row) if slot == self.slot_name else ""
        self.details.show_point(
            ds.image(index),
            f"image #{index}{', ' + label if label else ''} (left) and its reconstruction "
            f"by {slot} (right)",
        )
        self.reconstruct(slot, index, self.details.show_reconstruction)
        k = self.details.k.value()
        self.map.set_marked(self._map_points([row]))
        if k:
            self.runner.start(
                "neighbours", nearest_rows, codes_of(enc), row, k, ds, enc.indices,
                on_done=self._neighbours,
            )  # fmt: skip
        else:
            self.details.show_neighbours(np.zeros((0, 1, 1, 1), np.uint8))
        self._clicked = (slot, row)

    def _neighbours(self, result: tuple) -> None:
        found, images = result
        _, row = self._clicked
        self.details.show_neighbours(images)
        self.map.set_marked(self._map_points([row, *found]))

    @staticmethod
    def _index_in(enc: Any, row: int) -> int:
        return int(enc.indices[row]) if enc.indices is not None else int(row)

    def _map_points(self, rows) -> np.ndarray:
        """Map points (positions in :attr:`rows`) of encoded ``rows`` that are on the map."""
        rows = np.asarray(rows, dtype=np.int64)
        where = np.searchsorted(self.rows, rows)
        where = np.clip(where, 0, max(len(self.rows) - 1, 0))
        return where[self.rows[where] == rows] if len(self.rows) else where[:0]

    # ------------------------------------------------------------------ selection
    def selection_changed(self, points: np.ndarray) -> None:
        points = np.asarray(points, dtype=np.int64)
        self.selected = self.rows[points] if len(points) else np.zeros(0, dtype=np.int64)
        enc, ds = self.data(self.slot_name), self.data(f"dataset{self.slot_name}")
        if not len(self.selected) or enc is None or ds is None:
            self.runner.cancel("selection")
            self.details.set_selection_size(0)
            return
        from explorer.gui.map_details import SHOWN

        n = len(self.selected)
        shown = self.selected[np.unique(np.linspace(0, n - 1, min(n, SHOWN)).astype(np.int64))]
        indices = shown if enc.indices is None else np.asarray(enc.indices)[shown]
        text = f"{n} points selected"
        if n > SHOWN:
            text += f" ({SHOWN} of them shown, spread over the selection)"
        labels = class_labels(enc)
        if labels is not None:
            values, counts = label_counts(labels[self.selected])
            top = np.argsort(-counts, kind="stable")[:4]
            text += "; labels " + ", ".join(f"{values[i]}: {counts[i]}" for i in top)
        self.details.set_selection_size(n)
        self.details.selection_info.setText(text)
        self._selection_text = text
        self.runner.start("selection", images_of, ds, indices, on_done=self._selection_images)

    def _selection_images(self, images: np.ndarray) -> None:
        if len(self.selected):
            self.details.show_selection(images, self._selection_text)

    def mean_z(self) -> np.ndarray:
        """The mean code of the selection (a VAE's means)."""
        return codes_of(self.data(self.slot_name))[self.selected].mean(axis=0)

    def decode_mean(self) -> None:
        if not len(self.selected):
            return
        self.on_model_thread(
            self.slot_name,
            "decode",
            {"z": self.mean_z()[None]},
            lambda pixels: self.details.show_decoded(pixels[0]),
            lambda text: self.controls.ended(f"error: {text}", error=True),
        )

    def use_endpoints(self) -> None:
        """The first and last selected images become the sampler's interpolation endpoints."""
        if len(self.selected) < 2:
            return
        enc = self.data(self.slot_name)
        first, last = (self._index_in(enc, r) for r in (self.selected[0], self.selected[-1]))
        self.endpointsChosen.emit(self.slot_name, first, last)

    def export_selection(self, path: str) -> Any:
        """Write the selection's indices, images and z to ``path`` (.npz); the path written."""
        from explorer.core.output.selection_file import write_selection

        enc, ds = self.data(self.slot_name), self.data(f"dataset{self.slot_name}")
        if enc is None or ds is None:
            raise InvalidParameter("the map's slot has no data any more")
        indices = np.array([self._index_in(enc, r) for r in self.selected], dtype=np.int64)
        labels = None if enc.labels is None else np.asarray(enc.labels)[self.selected]
        images = np.stack([ds.image(i) for i in indices]) if len(indices) else np.zeros(0)
        return write_selection(
            path, indices, images, codes_of(enc)[self.selected], labels,
            model=enc.model_name, dataset=enc.dataset_name,
        )  # fmt: skip

    def export_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export selection", "selection.npz", "NumPy archive (*.npz)"
        )
        if not path:
            return
        try:
            written = self.export_selection(path)
        except (ExplorerError, OSError) as exc:
            self.controls.ended(f"error: {report_error(exc)}", error=True)
        else:
            self.controls.ended(f"wrote {written}")
