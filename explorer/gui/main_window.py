"""The main window: two model slots, sampler, grids, histograms, diagnostics, t-SNE, k-means.

All heavy work runs in workers: each slot's model on its own model thread
(:mod:`explorer.gui.model_thread`), numpy/sklearn analyses on short-lived job threads
(:mod:`explorer.gui.workers`). Script API for tests and tools: :meth:`load_model`,
:meth:`resample`, :meth:`export_grid`, :meth:`wait_idle` and the ``idle`` signal.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QEventLoop, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMessageBox, QWidget

from explorer.gui import analysis, menus, model_ranges
from explorer.gui.cluster_panel import ClusterPanel
from explorer.gui.diagnostics_panel import DiagnosticsPanel
from explorer.gui.grids_area import GridsArea
from explorer.gui.histogram_panel import HistogramPanel
from explorer.gui.model_slot import ModelsPanel, describe
from explorer.gui.model_thread import ModelController
from explorer.gui.plot_renderer import PlotRenderer, RenderedPlot
from explorer.gui.projection_panel import ProjectionPanel
from explorer.gui.sampler_panel import SamplerPanel
from explorer.gui.settings import open_settings, read_json, write_json
from explorer.gui.training_dock import TrainingDock
from explorer.gui.workers import Runner, favour_event_loop

DEBOUNCE_MS = 200


@dataclass
class Slot:
    """What the window knows about one slot (the model itself is used only on its thread)."""

    name: str
    controller: ModelController
    source: dict | None = None  # {"spec"} or {"encoder", "decoder"}: how it was loaded
    model: Any = None
    dataset: Any = None
    encodings: Any = None
    summary: dict | None = None  # analysis.data_summary of the encodings
    spec: Any = None
    grid: Any = None

    def data(self) -> analysis.SlotData:
        enc = self.encodings
        stats = self.summary["stats"] if self.summary else None
        return analysis.SlotData(self.model.z_dim, enc.z, enc.indices, stats)


class MainWindow(QMainWindow):
    idle = Signal()

    def __init__(self, dataset: str = "mnist-5k", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MainWindow")
        self.setWindowTitle("Latent Explorer")
        self.dataset_name = dataset
        self.data_range: tuple[float, float] | None = None  # float arrays: None = detect
        favour_event_loop()  # the GIL changes hands every 1 ms while workers run
        self.runner = Runner(self)
        self.slots = {n: Slot(n, ModelController(n, self)) for n in ("A", "B")}
        self.sampler_result: dict | None = None
        self._was_busy = False
        self._queued: dict[str, dict] = {}
        self._closed = False
        self.debounce = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self.debounce.timeout.connect(self.refresh_sampler_summary)
        self.plot_timer = QTimer(self, singleShot=True, interval=40)
        self.plot_timer.timeout.connect(self._draw_plots_now)
        self.plot_timer.timeout.connect(self._work_changed)
        self.debounce.timeout.connect(self._work_changed)
        self.grids = GridsArea(self)
        self.setCentralWidget(self.grids)
        self.models_panel = ModelsPanel()
        self.sampler = SamplerPanel()
        self.renderer = PlotRenderer(self)
        self.histograms = HistogramPanel(self.renderer)
        self.diagnostics = DiagnosticsPanel()
        self.projection = ProjectionPanel(
            self.runner, self.renderer, self._data_for, self.reconstruct
        )
        self.clusters = ClusterPanel(self.runner, self.renderer, self._data_for)
        self.docks: dict[str, QDockWidget] = {}
        left, right, bottom = (
            Qt.DockWidgetArea.LeftDockWidgetArea,
            Qt.DockWidgetArea.RightDockWidgetArea,
            Qt.DockWidgetArea.BottomDockWidgetArea,
        )
        self._dock("Models", self.models_panel, left)
        self._dock("Sampler", self.sampler, left)
        self._dock("Histograms", self.histograms, right)
        self._dock("Diagnostics", self.diagnostics, bottom)
        self._dock("Projection", self.projection, bottom)
        self._dock("Clusters", self.clusters, bottom)
        self.training = TrainingDock(self)
        self._dock("Training", self.training.widget, right)
        self.tabifyDockWidget(self.docks["Histograms"], self.docks["Training"])
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.tabifyDockWidget(self.docks["Diagnostics"], self.docks["Projection"])
        self.tabifyDockWidget(self.docks["Projection"], self.docks["Clusters"])
        self.docks["Diagnostics"].raise_()
        self.docks["Histograms"].raise_()
        self.resizeDocks(
            [self.docks["Models"], self.docks["Histograms"]], [300, 500], Qt.Orientation.Horizontal
        )
        self.resizeDocks([self.docks["Diagnostics"]], [230], Qt.Orientation.Vertical)
        menus.build(self)
        self._connect()
        self.statusBar().showMessage("starting: loading TensorFlow and the models…")
        self.resize(1560, 960)
        self._restore_settings()

    # ------------------------------------------------------------------ layout
    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> None:
        dock = QDockWidget(title, self, objectName=f"dock{title}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.docks[title] = dock

    def _connect(self) -> None:
        self.runner.changed.connect(self._work_changed)
        for slot in self.slots.values():
            slot.controller.changed.connect(self._work_changed)
        for name, panel in self.models_panel.slots.items():
            panel.loadRequested.connect(lambda n=name: menus.open_model_dialog(self, n))
            panel.loadPairRequested.connect(lambda n=name: menus.open_pair_dialog(self, n))
            panel.clearRequested.connect(lambda n=name: self.clear_slot(n))
            panel.rangesChanged.connect(lambda i, o, n=name: self.set_ranges(n, i, o))
        self.models_panel.swapRequested.connect(self.swap_slots)
        self.sampler.resampleRequested.connect(self.resample)
        self.sampler.changed.connect(self.debounce.start)
        self.sampler.changed.connect(self._mark_busy)
        self.histograms.componentChanged.connect(self._draw_components_now)
        for plot in self.plots().values():
            plot.imageShown.connect(self._work_changed)
        for name in ("A", "B"):
            self.grids.views[name].tileClicked.connect(lambda i, n=name: self.show_tile(n, i))

    # ------------------------------------------------------------------ busy / idle
    def queue_loads(self, sources: dict[str, dict], delay_ms: int = 30) -> None:
        """Load ``{slot: source}`` once the window is on screen (the event loop runs)."""
        self._queued.update(sources)
        self._mark_busy()
        QTimer.singleShot(delay_ms, self._start_queued)

    def _start_queued(self) -> None:
        queued, self._queued = self._queued, {}
        if self._closed:
            return
        for slot, source in queued.items():
            self.load_source(slot, source)
        for name, s in self.slots.items():
            if name not in queued and s.model is None:
                self._show_slot(s)  # "empty slot", not "loading…"
        self._work_changed()

    def busy(self) -> bool:
        return (
            bool(self._queued)
            or self.plot_timer.isActive()
            or self.runner.busy()
            or self.debounce.isActive()
            or any(s.controller.busy() for s in self.slots.values())
            or any(plot.busy() for plot in self.plots().values())
        )

    def plots(self) -> dict[str, RenderedPlot]:
        """Every plot of the window, by the file name its export gets."""
        return {
            **self.histograms.plots(),
            "tsne": self.projection.plot,
            "kmeans_inertia": self.clusters.plot,
            "training_losses": self.training.panel.plot,
        }

    def _mark_busy(self) -> None:
        self._was_busy = True  # timers started: ``idle`` follows when they are done

    def _work_changed(self) -> None:
        busy = self.busy()
        if self._was_busy and not busy:
            if not self.statusBar().currentMessage().startswith("error"):
                self.statusBar().showMessage("ready", 3000)
            self.idle.emit()
        self._was_busy = busy

    def wait_idle(self, timeout_ms: int = 60_000) -> bool:
        """Run the event loop until no work is pending (True) or the timeout passes (False).

        A nested ``QEventLoop`` (not a ``processEvents`` busy loop): it releases the GIL
        while waiting, so the workers run at full speed.
        """
        end = time.monotonic() + timeout_ms / 1000
        loop = QEventLoop()
        poll = QTimer(interval=20)
        poll.timeout.connect(lambda: (not self.busy() or time.monotonic() > end) and loop.quit())
        poll.start()
        loop.exec()
        poll.stop()
        QCoreApplication.processEvents()
        return not self.busy()

    # ------------------------------------------------------------------ models
    def load_model(
        self,
        slot: str,
        path: str | Path | None = None,
        encoder=None,
        decoder=None,
        trust: bool = False,
        input_range=None,
        output_range=None,
    ) -> None:
        """Load a bundle (``path``) or an encoder/decoder pair into ``slot`` and encode the
        data set, in the slot's model thread. ``trust`` lets files run their Python code
        (asked in a dialog otherwise); ranges override the detected ones, and the ranges
        last chosen for the same files are used when none are given."""
        s = self.slots[slot]
        source = (
            {"spec": str(path)}
            if path is not None
            else {"encoder": str(encoder), "decoder": str(decoder)}
        )
        remembered = model_ranges.recall(source)
        for key, value in (("input_range", input_range), ("output_range", output_range)):
            value = value if value is not None else remembered.get(key)
            if value is not None:
                source[key] = tuple(value)
        if trust:
            source["trust"] = True
        shown = source.get("spec") or source["encoder"]
        self.statusBar().showMessage(f"{slot}: loading {shown}…")
        self.models_panel.slots[s.name].set_loading(0.0, "loading…")
        if s.grid is None:
            self.grids.views[s.name].set_message(f"loading {Path(shown).name}…")
        s.controller.request(
            "load",
            {**source, "dataset": self.dataset_name, "data_range": self.data_range},
            on_done=lambda out: self._loaded(s, source, out),
            on_error=lambda text: self._load_failed(s, source, text),
            on_progress=lambda f, m: self.models_panel.slots[s.name].set_loading(f, m),
        )

    def load_source(self, slot: str, source: dict) -> None:
        """:meth:`load_model` from a slot's source dict (bundle or pair, trust, ranges)."""
        self.load_model(
            slot,
            source.get("spec"),
            source.get("encoder"),
            source.get("decoder"),
            trust=bool(source.get("trust")),
            input_range=source.get("input_range"),
            output_range=source.get("output_range"),
        )

    def set_ranges(self, slot: str, input_range=None, output_range=None) -> None:
        """Reload ``slot``'s model with these value ranges (``None``: detected), and remember
        them for its files."""
        s = self.slots[slot]
        if s.source is None:
            return
        base = {k: v for k, v in s.source.items() if k in ("spec", "encoder", "decoder")}
        model_ranges.remember(base, input_range, output_range)
        self.load_model(
            slot,
            base.get("spec"),
            base.get("encoder"),
            base.get("decoder"),
            trust=bool(s.source.get("trust")),
        )

    def _loaded(self, s: Slot, source: dict, out: dict) -> None:
        if "untrusted" in out:
            self._ask_trust(s, {**source, "trust": True}, out)
            return
        s.source, s.model, s.dataset, s.encodings = (
            source,
            out["model"],
            out["dataset"],
            out["encodings"],
        )
        s.summary, s.grid = None, None
        note = f" ({out['data_note']})" if out.get("data_note") else ""
        self.statusBar().showMessage(f"{s.name}: {s.model.name} loaded{note}", 8000)
        self.models_panel.slots[s.name].show_error("")
        self._show_slot(s)
        self._update_limits()
        enc = s.encodings
        self.runner.start(
            f"data{s.name}",
            analysis.data_summary,
            enc.z,
            enc.mu,
            enc.logvar,
            on_done=lambda summary: self._summarised(s, summary),
            on_error=self.error,
        )
        self.resample()

    def _ask_trust(self, s: Slot, source: dict, out: dict) -> None:
        """A file that runs code when loaded: ask, naming the file; load it only on Yes."""
        self._show_slot(s)
        text = (
            f"{out['untrusted']}\n\nThis file runs Python code when loaded (a Lambda layer or "
            "a custom class); load it only if you trust where it came from."
        )
        box = QMessageBox(QMessageBox.Icon.Warning, "Trust this model file?", text, parent=self)
        box.setObjectName("trustModelBox")
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        box.button(QMessageBox.StandardButton.Yes).setText("Load and run its code")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setModal(False)

        def answered(button) -> None:
            if box.standardButton(button) == QMessageBox.StandardButton.Yes:
                self.load_source(s.name, source)
            else:
                self.models_panel.slots[s.name].show_error(out["message"])
                self.error(f"{s.name}: not loaded: {out['message']}")

        box.buttonClicked.connect(answered)
        box.show()

    def _load_failed(self, s: Slot, source: dict, text: str) -> None:
        self._show_slot(s)
        self.models_panel.slots[s.name].show_error(text)
        self.error(f"could not load the model into {s.name}: {text}")
        box = QMessageBox(QMessageBox.Icon.Warning, "Could not load the model", text, parent=self)
        box.setObjectName("loadErrorBox")
        box.setModal(False)
        box.show()

    def _summarised(self, s: Slot, summary: dict) -> None:
        s.summary = summary
        self.draw_plots()
        self.debounce.start()

    def _show_slot(self, s: Slot) -> None:
        """Refresh the slot's panel and grid view from its state."""
        panel, view = self.models_panel.slots[s.name], self.grids.views[s.name]
        panel.show_ranges(s.model, s.source)
        if s.model is None:
            panel.set_text("empty")
            view.clear("empty slot: File → Open model…")
            return
        note = getattr(s.dataset, "value_note", "")
        shown = s.dataset.name if s.dataset is not None else self.dataset_name
        panel.set_text(describe(s.model, shown, len(s.encodings.z), note))
        view.title = f"{s.name}: {s.model.name} ({s.model.kind.upper()}, z_dim {s.model.z_dim})"
        if s.grid is None:
            view.clear("press Resample")
        else:
            self._show_grid(s, s.grid)

    def _update_limits(self) -> None:
        dims = {s.model.z_dim for s in self.loaded()}
        images = min((len(s.dataset) for s in self.loaded()), default=5000)
        self.sampler.set_limits(min(dims, default=16), images, len(dims) <= 1)

    def loaded(self) -> list[Slot]:
        return [s for s in self.slots.values() if s.model is not None]

    def clear_slot(self, slot: str) -> None:
        s = self.slots[slot]
        s.controller.cancel()
        s.controller.request("clear")
        s.source = s.model = s.dataset = s.encodings = s.summary = s.spec = s.grid = None
        self._show_slot(s)
        self._update_limits()
        self.draw_plots()

    def swap_slots(self) -> None:
        a, b = self.slots["A"], self.slots["B"]
        a.name, b.name = "B", "A"
        self.slots = {"A": b, "B": a}
        for s in self.slots.values():
            self._show_slot(s)
        self.draw_plots()
        self.debounce.start()

    def set_dataset(self, dataset: str, data_range: tuple[float, float] | None = None) -> None:
        """Encode ``dataset`` with both models (reloading them on their threads);
        ``data_range`` is the value range of a float array (``None``: detected)."""
        self.dataset_name = dataset
        self.data_range = tuple(data_range) if data_range is not None else None
        for s in self.slots.values():
            if s.source is not None:
                self.load_source(s.name, s.source)

    def _data_for(self, key: str) -> Any:
        """Encodings of slot ``A``/``B`` or, for ``datasetA``, its data set (panels ask)."""
        s = self.slots[key[-1]]
        return s.dataset if key.startswith("dataset") else s.encodings

    def reconstruct(self, slot: str, index: int, callback) -> None:
        s = self.slots[slot]
        if s.dataset is not None:
            s.controller.request(
                "reconstruct",
                {"image": s.dataset.image(index)},
                on_done=callback,
                on_error=self.error,
            )

    # ------------------------------------------------------------------ sampling
    def sampler_request(self) -> analysis.SamplerRequest:
        sp = self.sampler
        return analysis.SamplerRequest(
            sp.sampler(),
            sp.params(),
            sp.rows.value(),
            sp.cols.value(),
            sp.seed.value(),
            sp.same_points(),
        )

    def resample(self) -> bool:
        """Draw new z-points and decode them with A and B; False if parameters are invalid."""
        if not self.sampler.is_valid():
            self.statusBar().showMessage("fix the sampler parameters first", 5000)
            return False
        slots = {s.name: s.data() for s in self.loaded()}
        if not slots:
            return False
        self.runner.start(
            "samples",
            analysis.grid_samples,
            self.sampler_request(),
            slots,
            on_done=self._render,
            on_error=self._sampler_error,
        )
        return True

    def _sampler_error(self, text: str) -> None:
        self.sampler.show_error(text)
        self.error(text)

    def _render(self, out: dict) -> None:
        self.sampler.show_error("")
        for name, (spec, samples) in out.items():
            s = self.slots[name]
            s.controller.request(
                "render",
                {"samples": samples, "spec": spec},
                on_done=lambda grid, s=s, spec=spec: self._rendered(s, spec, grid),
                on_error=lambda text, s=s: self.grids.views[s.name].set_message(f"error: {text}"),
            )

    def _rendered(self, s: Slot, spec: Any, grid: Any) -> None:
        s.spec, s.grid = spec, grid
        self._show_grid(s, grid)

    def _show_grid(self, s: Slot, grid: Any) -> None:
        h, w = grid.images.shape[1:3]
        layout = (s.spec.rows, s.spec.cols, s.spec.padding, h, w)
        self.grids.views[s.name].set_grid(grid.image, grid.sharpened, layout)

    def show_tile(self, slot: str, index: int) -> None:
        s = self.slots[slot]
        if s.grid is not None:
            self.grids.show_tile(slot, index, s.grid.samples.z[index], s.encodings, s.dataset)

    def refresh_sampler_summary(self) -> None:
        if not self.sampler.is_valid() or not self.loaded():
            return
        slots = {s.name: s.data() for s in self.loaded()}
        self.runner.start(
            "sampler",
            analysis.sampler_summary,
            self.sampler_request(),
            slots,
            on_done=self._sampler_summarised,
            on_error=self._sampler_error,
        )

    def _sampler_summarised(self, result: dict) -> None:
        self.sampler_result = result
        self.draw_plots()

    def draw_plots(self) -> None:
        """Redraw the plots soon; several requests in a row make one redraw."""
        self.plot_timer.start()
        self._mark_busy()

    def _plot_inputs(self) -> tuple[dict, dict, dict, str]:
        """(data summaries, model names, sampler summaries, sampler label) by slot."""
        data = {s.name: s.summary for s in self.loaded() if s.summary is not None}
        names = {s.name: s.model.name for s in self.loaded()}
        sampler = {k: v for k, v in (self.sampler_result or {}).items() if k in data}
        return data, names, sampler, self.sampler.method.currentText()

    def _draw_components_now(self) -> None:
        """Another slot or component of the component view: only its plots are redrawn."""
        data, names, sampler, _ = self._plot_inputs()
        self.histograms.draw_components(data, sampler or None, names, keep_layout=True)

    def _draw_plots_now(self) -> None:
        data, names, sampler, label = self._plot_inputs()
        self.histograms.draw_radius(data, sampler or None, names, label)
        self.histograms.draw_components(data, sampler or None, names)
        table = {
            s.name: {
                "name": s.model.name,
                "kind": s.model.kind,
                "diagnostics": (s.summary or {}).get("diagnostics"),
            }
            for s in self.loaded()
        }
        self.diagnostics.update_table(table, sampler, label)

    # ------------------------------------------------------------------ export
    def export_grid(self, slot: str, path: str | Path, sharpened: bool = False) -> list[Path]:
        """Write the slot's grid like ``latent-explorer sample`` (PNG, JSON, .npy, and with
        ``sharpened`` also ``.sharp.png``)."""
        from dataclasses import replace

        from explorer.core.errors import ExplorerError
        from explorer.core.latent.grids import export_grid

        s = self.slots[slot]
        if s.grid is None:
            raise ExplorerError(f"slot {slot} has no grid to export yet")
        spec = s.spec if sharpened else replace(s.spec, sharpen=None)
        grid = s.grid if sharpened else replace(s.grid, sharpened=None)
        return export_grid(grid, spec, path, dataset=self.dataset_name)

    def error(self, text: str) -> None:
        self.statusBar().showMessage(f"error: {text}", 15000)

    # ------------------------------------------------------------------ settings / quit
    def _restore_settings(self) -> None:
        settings = open_settings()
        geometry, state = settings.value("window/geometry"), settings.value("window/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)
        self.sampler.restore(read_json(settings, "sampler"))

    def save_settings(self) -> None:
        settings = open_settings()
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/state", self.saveState())
        write_json(settings, "sampler", self.sampler.values())
        write_json(settings, "models", {n: _untrusted(s.source) for n, s in self.slots.items()})
        write_json(settings, "dataset", self.dataset_name)
        write_json(settings, "data_range", self.data_range)
        settings.sync()

    # ------------------------------------------------------------------ training
    def start_training(self, **options: Any) -> int:
        """Queue a training with the options of ``latent-explorer train``; returns its job id.
        Invalid options raise :class:`~explorer.core.errors.InvalidParameter` at once."""
        return self.training.start(**options)

    def cancel_training(self) -> None:
        self.training.controller.cancel_training()

    def wait_training(self, timeout_ms: int = 60_000) -> bool:
        """Process events until no training runs or is queued; False on time-out."""
        return self.training.controller.wait_training(timeout_ms)

    def shutdown(self) -> None:
        """Cancel all work and wait for every thread (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self.training.shutdown()
        self._queued.clear()
        self.debounce.stop()
        self.plot_timer.stop()
        self.runner.shutdown()
        self.renderer.stop()
        for s in self.slots.values():
            s.controller.shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._closed and not self.training.confirm_close():
            event.ignore()
            return
        if not self._closed:
            self.save_settings()
        self.shutdown()
        super().closeEvent(event)


def _untrusted(source: dict | None) -> dict | None:
    """A slot's source without its trust: trust is never carried into another session."""
    return None if source is None else {k: v for k, v in source.items() if k != "trust"}
