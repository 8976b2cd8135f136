"""The map: t-SNE, UMAP or PCA of a slot's encoded data (a VAE by its means), forming live.

The method menu and each method's fields come from the core's declarations
(:data:`explorer.core.stats.maps.MAP_METHODS`), checked as the ``map`` command checks them.
A run is a task of the worker API: t-SNE hands a copy of its embedding to ``state.publish``
about every 50 iterations and the map shows each as it arrives (the view follows the map
until the user pans or zooms); UMAP shows its result when done; PCA is instant.

The map itself is a :class:`~explorer.gui.map.map_view.MapView` (dots drawn with NumPy, axes
painted by Qt: no matplotlib on the interaction path). Hover shows a point's image, a click
its image, reconstruction and nearest neighbours in latent space, Shift+drag or Ctrl+drag
select points (lasso, rectangle) for :class:`~explorer.gui.map.map_details.MapDetails`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from explorer.core.errors import InvalidParameter
from explorer.core.output.map_colours import MapColours
from explorer.core.stats.maps import (
    MAP_METHODS,
    check_map_options,
    map_codes,
)
from explorer.gui.map.map_details import MapDetails
from explorer.gui.map.map_options import MapOptions
from explorer.gui.map.map_paint import RENDER_IN_THREAD
from explorer.gui.map.map_picks import MapPicks, point_labels
from explorer.gui.map.map_points import MapPoints
from explorer.gui.map.map_run import MapRun, colour_map, rows_colours, run_map
from explorer.gui.map.map_view import MapView
from explorer.gui.tasks.workers import Runner
from explorer.gui.widgets.later import Later
from explorer.gui.widgets.object_names import named
from explorer.gui.widgets.scrolling import scroll_area
from explorer.gui.widgets.task_controls import TaskControls, encoded_slot

SIDE_PX = 330  # the options and picks column beside the map (at least)
FRAME_MS = 40  # live frames are shown at most this often (25 a second)


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
        self.enc: Any = None  # those encodings
        self.rows = np.zeros(0, dtype=np.int64)  # encoded row of every map point
        self.picks = MapPicks(self)  # the clicked point and the selection
        self._run: tuple | None = None  # (slot, enc, rows, method, colouring) of the run going on
        self._frames = 0
        self._shown: tuple | None = None  # what the map showed before a run's first frame
        self._coloured_by: tuple | None = None  # the colouring of the colours on the map
        self._latest: tuple | None = None  # the newest live frame not shown yet
        self._frame_soon = Later(self._show_latest_frame, FRAME_MS, self, throttle=True)
        self._build()

    # ------------------------------------------------------------------ building
    def _build(self) -> None:
        self.form = MapOptions()
        f = self.form  # its widgets are the panel's too (scripts, tests: panel.points, ...)
        self.slot, self.method, self.points, self.seed = f.slot, f.method, f.points, f.seed
        self.colour, self.component, self.contours, self.mode = (
            f.colour, f.component, f.contours, f.mode
        )  # fmt: skip
        self.fields, self.shared = f.fields, f.shared
        self.form.changed.connect(self._options_changed)
        self.controls = TaskControls("map")
        self.controls.runClicked.connect(self.run)
        self.controls.cancelClicked.connect(self.cancel)
        self.map = MapView(self)
        self.map.setObjectName("mapView")
        self.map.clear("choose a method and press Run")
        self.map.set_thumbnail(self.picks.thumbnail)
        self.details = MapDetails()
        for signal, slot in (
            (self.colour.currentIndexChanged, self.recolour),
            (self.component.valueChanged, self.recolour),
            (self.contours.toggled, self.map.set_contours),
            (self.mode.currentIndexChanged, self._mode_changed),
            (self.map.clicked, self.picks.point_clicked),
            (self.map.selectionChanged, self.picks.selection_changed),
            (self.details.decodeMeanRequested, self.picks.decode_mean),
            (self.details.endpointsRequested, self.picks.use_endpoints),
            (self.details.exportRequested, self.picks.export_dialog),
        ):
            signal.connect(slot)
        self._lay_out()
        self._options_changed()

    def _lay_out(self) -> None:
        """The map fills the view; beside it a column of tabs: the options (with Run), the
        clicked point (to the front on a click) and the selection (on a lasso)."""
        options = QWidget()
        side = QVBoxLayout(options)
        side.addWidget(self.form)
        side.addWidget(self.controls)
        side.addStretch(1)
        self.side = named(QTabWidget(), "mapSide")
        self.side.setDocumentMode(True)
        self.side.tabBar().setElideMode(Qt.TextElideMode.ElideNone)
        self.side.addTab(scroll_area(options, "mapOptionsScroll"), "Options")
        self.details.setParent(self)  # its two parts go to tabs of their own
        self.details.hide()
        self.side.addTab(scroll_area(self.details.point_box, "mapPointScroll"), "Point")
        self.side.addTab(scroll_area(self.details.selection_box, "mapSelectionScroll"), "Selection")
        self.side.setMinimumWidth(SIDE_PX)
        self.side.setMaximumWidth(SIDE_PX + 40)
        self.map.setMinimumSize(320, 240)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        outer.addWidget(self.map, 1)
        outer.addWidget(self.side)
        self.map.clicked.connect(self._point_picked)
        self.map.selectionChanged.connect(self._rows_picked)

    def _point_picked(self, row: int) -> None:
        if row >= 0:
            self.side.setCurrentIndex(1)

    def _rows_picked(self, rows: Any) -> None:
        if len(rows):
            self.side.setCurrentIndex(2)

    # ------------------------------------------------------------------ options
    def method_name(self) -> str:
        return self.form.method_name()

    def options(self) -> dict[str, Any]:
        """The current method's options (see :meth:`MapOptions.options`)."""
        return self.form.options()

    def _options_changed(self) -> None:
        """Run only with readable options; say why not."""
        errors = self.form.check()
        self.controls.run_button.setEnabled(not errors)
        if errors:
            self.controls.ended("; ".join(errors), error=True)

    def _mode_changed(self) -> None:
        self.map.set_mode(self.mode.currentData())

    # ------------------------------------------------------------------ running
    def run(self) -> None:
        """Map the chosen slot's codes with the chosen method (a seeded, stratified sample)."""
        from explorer.core.stats.points import stratified_subsample

        if self._run is not None:  # a run still forming its map gives way first
            self.runner.cancel("map")
            self._failed()
        if (picked := encoded_slot(self)) is None:
            return
        slot, enc = picked
        method, z = self.method_name(), map_codes(enc)
        n = min(self.points.value(), len(z))
        try:
            options = check_map_options(method, n, self.options())
        except InvalidParameter as exc:
            self.controls.ended(f"error: {exc}", error=True)
            return
        rows = stratified_subsample(len(z), n, point_labels(enc), self.seed.value())
        labels = point_labels(enc)
        self._run, self._frames = (slot, enc, rows, method, self.colouring()), 0
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
            self.colouring(),
            enc.label_names,
            on_done=self._done,
            on_partial=self._frame,
            on_error=self._failed,
            on_cancel=self._failed,
        )
        self.controls.follow(task)

    def cancel(self) -> None:
        self.runner.cancel("map")
        self._failed()
        self.controls.ended("cancelled")

    def _failed(self, *_: Any) -> None:
        """A run that ends without its map: the map it was forming gives way to the one
        before it (or to a message)."""
        self._run, self._latest = None, None
        self._frame_soon.cancel()
        if self._frames and self._shown is not None:
            result, slot, enc, rows, points, colours, coloured_by, title, names = self._shown
            self.result = result
            self.slot_name, self.enc, self.rows = slot, enc, rows
            self.map.set_points(points, colours, title=title, axis_names=names)
            self._coloured(coloured_by)
        elif self._frames:
            self.result, self.slot_name, self.enc = None, "", None
            self.rows = np.zeros(0, dtype=np.int64)
            self.map.clear("cancelled: press Run for a map")
        self._frames = 0

    def _frame(self, frame: tuple[MapPoints, int, MapColours]) -> None:
        """A live frame of t-SNE (the points at some iteration): shown at most every
        :data:`FRAME_MS`, the newest one (frames may come faster than the map redraws)."""
        if self._run is not None:
            self._latest = frame
            self._frame_soon()

    def _show_latest_frame(self) -> None:
        if self._run is None or self._latest is None:
            return
        slot, enc, rows, method, colouring = self._run
        (points, iteration, colours), self._latest = self._latest, None
        title = f"{MAP_METHODS[method].label} of {len(rows)} points of slot {slot}, forming: "
        title += f"iteration {iteration}"
        if self._frames == 0:
            shown = self.map.map_points
            self._shown = None if shown is None else (
                self.result, self.slot_name, self.enc, self.rows, shown, self.map.colours,
                self._coloured_by, self.map.title, self.map.axis_names,
            )  # fmt: skip
            self._show(slot, enc, rows, points, title, method, colours, colouring)
        else:
            self.map.update_positions(points)
            self.map.title = title
        self._frames += 1

    def _done(self, run: MapRun) -> None:
        if self._run is None:
            return
        slot, enc, rows, method, colouring = self._run
        self._run, self._latest, self._shown = None, None, None
        self._frame_soon.cancel()
        result = self.result = run.result
        title = f"{MAP_METHODS[method].label} of {len(rows)} points of slot {slot}"
        if self._frames:  # the map formed on screen: keep the user's view
            self.map.update_positions(run.points)
            self.map.title = title
        else:
            self._show(slot, enc, rows[result.rows], run.points, title, method, run.colours,
                       colouring)  # fmt: skip
        self.controls.ended(f"done: {len(result.xy)} points in {result.seconds:.1f} s")

    def _show(
        self, slot, enc, rows: np.ndarray, points: MapPoints | np.ndarray, title: str,
        method: str, colours: MapColours | None = None, coloured_by: tuple | None = None,
    ) -> None:  # fmt: skip
        """Show a new map. ``colours`` (made in a worker) by ``coloured_by``, the colouring
        chosen when the run started: if the user changed it since, they are made again."""
        self.slot_name, self.enc, self.rows = slot, enc, np.asarray(rows, dtype=np.int64)
        self.picks.selected = np.zeros(0, dtype=np.int64)
        self.details.set_selection_size(0)
        axis = MAP_METHODS[method].axis
        names = (f"{axis} 1", f"{axis} 2")
        if colours is None:
            colours, coloured_by = self.colours(), self.colouring()
        self.map.set_points(points, colours, title=title, axis_names=names)
        self._coloured(coloured_by)

    def data_changed(self) -> None:
        """A slot's data changed (new model, data set, swap): a map of data that is gone
        (or a run for it) is dropped."""
        running = self._run is not None and self.data(self._run[0]) is not self._run[1]
        if running:
            self.cancel()
        if self.slot_name and self.data(self.slot_name) is not self.enc:
            self.result, self.slot_name, self.enc = None, "", None
            self.rows = self.picks.selected = np.zeros(0, dtype=np.int64)
            self.details.set_selection_size(0)
            self.map.clear("the slot's data changed: press Run for a new map")

    # ------------------------------------------------------------------ colour
    def colouring(self) -> tuple[str, int]:
        """The chosen colouring: one of :data:`COLOURINGS` and the component's index."""
        return self.colour.currentText(), self.component.value()

    def colours(self) -> MapColours:
        """The points' colours by the chosen colouring (see :meth:`recolour` for maps of
        a million points)."""
        enc = self.data(self.slot_name)
        if enc is None or not len(self.rows):
            return MapColours.by_label(None, n=len(self.rows))
        return rows_colours(self.colouring(), map_codes(enc), self.rows, point_labels(enc),
                            enc.label_names)  # fmt: skip

    def recolour(self, *_: Any) -> None:
        """Colour the map by the chosen colouring; from :data:`RENDER_IN_THREAD` points on
        the colours are made in a worker (the map keeps its colours meanwhile)."""
        self.component.setEnabled(self.colour.currentText() == "component")
        if not self.slot_name or not len(self.rows) or self.map.map_points is None:
            return  # no map yet: the next one is made in the chosen colouring
        enc, colouring = self.data(self.slot_name), self.colouring()
        if enc is None or len(self.rows) < RENDER_IN_THREAD:
            self.map.set_colours(self.colours())
            self._coloured_by = colouring
            return
        points = self.map.map_points

        def made(colours: MapColours) -> None:
            if self.map.map_points is points:  # still the same map
                self.map.set_colours(colours)
                self._coloured(colouring)

        self.runner.start(
            "colour", colour_map, colouring, map_codes(enc), self.rows, point_labels(enc),
            enc.label_names, on_done=made,
        )  # fmt: skip

    def _coloured(self, colouring: tuple | None) -> None:
        """The map's colours are by ``colouring``: coloured again if another is chosen."""
        self._coloured_by = colouring
        if colouring is not None and colouring != self.colouring():
            self.recolour()
