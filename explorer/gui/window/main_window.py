"""The main window: two model slots, sampler, grids, histograms, diagnostics, t-SNE, k-means.

All heavy work runs in workers: each slot's model on its own model thread
(:mod:`explorer.gui.tasks.model_thread`), numpy/sklearn analyses on short-lived job threads
(:mod:`explorer.gui.tasks.workers`). Script API for tests and tools: :meth:`load_model`,
:meth:`resample`, :meth:`export_grid`, :meth:`wait_idle` and the ``idle`` signal.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import QMainWindow, QWidget

from explorer.core.data.builtin import DEFAULT_DATASET
from explorer.gui.map.projection_panel import ProjectionPanel
from explorer.gui.plots.plot_renderer import PlotRenderer, RenderedPlot
from explorer.gui.quality.quality_panel import QualityPanel
from explorer.gui.side.model_slot import ModelsPanel
from explorer.gui.side.sampler_panel import SamplerPanel
from explorer.gui.tasks.model_thread import ModelController
from explorer.gui.tasks.workers import Runner, await_workers, favour_event_loop, wait_until
from explorer.gui.training.training_dock import TrainingDock
from explorer.gui.views.cluster_panel import ClusterPanel
from explorer.gui.views.diagnostics_panel import DiagnosticsPanel
from explorer.gui.views.grids_area import GridsArea
from explorer.gui.views.histogram_panel import HistogramPanel
from explorer.gui.views.reconstruction_panel import ReconstructionPanel
from explorer.gui.widgets.later import Later
from explorer.gui.widgets.settings import open_settings, read_json, write_json
from explorer.gui.window import menus, window_layout
from explorer.gui.window.stage import Stage
from explorer.gui.window.window_sampling import Sampling
from explorer.gui.window.window_slots import Slot, SlotManager, untrusted_source

DEBOUNCE_MS = 200  # sampler edits -> its live summary
PLOTS_DEBOUNCE_MS = 40  # several redraw requests in a row make one redraw


class MainWindow(QMainWindow):
    """The window: layout, busy/idle, settings, training and shutdown here; the model slots
    in its ``slot_manager`` (:class:`SlotManager`), sampling and its plots in its
    ``sampling`` (:class:`Sampling`). The methods of the script API that they do are passed
    on to them."""

    idle = Signal()

    def __init__(self, dataset: str = DEFAULT_DATASET, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MainWindow")
        self.setWindowTitle("Latent Explorer")
        self.dataset_name = dataset
        self.data_range: tuple[float, float] | None = None  # float arrays: None = detect
        favour_event_loop()  # the GIL changes hands every 1 ms while workers run
        self.runner = Runner(self)
        self.slots = {n: Slot(n, ModelController(n, self)) for n in ("A", "B")}
        self.slot_manager = SlotManager(self)
        self.sampling = Sampling(self)
        self.sampler_result: dict | None = None
        self._was_busy = False
        self._queued: dict[str, dict] = {}
        self._closed = False
        self._shown = False
        self.sharpening: dict | None = None  # of the grids: None is the default, see set_sharpening
        self._debounced: list = []
        self.pending: set[str] = set()  # debounced work not yet done (counts as busy)
        self.summarise_soon = self._soon(
            "summary", self.sampling.refresh_sampler_summary, DEBOUNCE_MS
        )
        self.draw_plots_soon = self._soon("plots", self.sampling.draw_plots_now, PLOTS_DEBOUNCE_MS)
        self.draw_samples_soon = self._soon("samples", self.draw_samples, DEBOUNCE_MS)
        self.grids = GridsArea(self)
        self.stage = Stage(self)
        self.setCentralWidget(self.stage)
        self.models_panel = ModelsPanel()
        self.sampler = SamplerPanel()
        self.renderer = PlotRenderer(self)
        self.histograms = HistogramPanel(self.renderer)
        self.diagnostics = DiagnosticsPanel()
        self.quality = QualityPanel(self.runner, self.renderer, self.sampling.quality_inputs)
        self.projection = ProjectionPanel(
            self.runner,
            self.slot_manager.data_for,
            self.slot_manager.reconstruct,
            self._on_model_thread,
        )
        self.projection.map.renderer = self.renderer  # its export: matplotlib's thread
        self.clusters = ClusterPanel(self.runner, self.renderer, self.slot_manager.data_for)
        self.reconstructions = ReconstructionPanel(
            lambda: [s.name for s in self.loaded()],
            self._on_model_thread,
            lambda slot: self.slots[slot].dataset,
            lambda slot: self.slots[slot].model,
        )
        self.training: TrainingDock = TrainingDock(
            self, self.renderer, lambda slot, path: self.load_model(slot, path), self.show_view
        )
        for title, widget, scroll in (
            ("Samples", self.grids, False),
            ("Map", self.projection, False),
            ("Histograms", self.histograms, True),
            ("Reconstructions", self.reconstructions, True),
            ("Clusters", self.clusters, True),
            ("Diagnostics", self.diagnostics, True),
            ("Quality", self.quality, True),
            ("Training", self.training.widget, False),
        ):
            self.stage.add_view(title, widget, scroll)
        self.docks = window_layout.add_docks(
            self, {"Models": self.models_panel, "Sampler": self.sampler}
        )
        self.actions_by_key: dict[str, QAction] = {}  # menus.build fills it
        menus.build(self)
        self._connect()
        self.statusBar().showMessage("starting: loading TensorFlow and the models…")
        window_layout.size_to_screen(self, self.docks)
        self._restore_settings()

    # ------------------------------------------------------------------ layout
    def _on_model_thread(self, slot: str, op: str, payload: dict, on_done, on_error) -> None:
        """Run ``op`` on ``slot``'s model thread (for panels that reconstruct or read files)."""
        self.slots[slot].controller.request(op, payload, on_done=on_done, on_error=on_error)

    def _soon(self, name: str, fn, ms: int):
        """``fn`` debounced by ``ms``, counted in :attr:`pending` until it ran."""

        def due() -> None:
            self.pending.discard(name)
            fn()
            self._work_changed()

        later = Later(due, ms, self)
        self._debounced.append(later)

        def schedule() -> None:
            self.pending.add(name)
            self._mark_busy()
            later()

        return schedule

    def _connect(self) -> None:
        self.runner.changed.connect(self._work_changed)
        for slot in self.slots.values():
            slot.controller.changed.connect(self._work_changed)
        for name, panel in self.models_panel.slots.items():
            panel.loadRequested.connect(lambda n=name: menus.open_model_dialog(self, n))
            panel.loadPairRequested.connect(lambda n=name: menus.open_pair_dialog(self, n))
            panel.clearRequested.connect(lambda n=name: self.clear_slot(n))
            panel.rangesChanged.connect(lambda i, o, n=name: self.slot_manager.set_ranges(n, i, o))
        self.models_panel.swapRequested.connect(self.swap_slots)
        self.sampler.resampleRequested.connect(self.resample)
        self.projection.endpointsChosen.connect(self.sampling.interpolate_between)
        self.sampler.changed.connect(self.summarise_soon)
        self.sampler.changed.connect(self.draw_samples_soon)
        self.stage.viewChanged.connect(self._view_shown)
        self.sampler.changed.connect(self._mark_busy)
        self.sampler.changed.connect(self.sampling.quality_sampler_changed)
        self.quality.changed.connect(self._work_changed)
        self.histograms.componentChanged.connect(self.sampling.draw_components_now)
        for plot in self.plots().values():
            plot.imageShown.connect(self._work_changed)
        for name in ("A", "B"):
            self.grids.views[name].tileClicked.connect(lambda i, n=name: self.show_tile(n, i))
            self.grids.views[name].menuRequested.connect(
                lambda where, n=name: menus.grid_menu(self, n, where)
            )

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
            self.slot_manager.load_source(slot, source)
        for name, s in self.slots.items():
            if name not in queued and s.model is None:
                self.slot_manager.show_slot(s)  # "empty slot", not "loading…"
        self._work_changed()

    def busy(self) -> bool:
        return (
            bool(self._queued)
            or bool(self.pending)
            or self.runner.busy()
            or any(s.controller.busy() for s in self.slots.values())
            or any(plot.busy() for plot in self.plots().values())
            or self.quality.busy()
        )

    def plots(self) -> dict[str, RenderedPlot]:
        """Every plot of the window, by the file name its export gets."""
        return {
            **self.histograms.plots(),
            "kmeans_inertia": self.clusters.plot,
            "quality_sweep": self.quality.plot,
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
        wait_until(lambda: not self.busy(), timeout_ms, poll_ms=20)
        QCoreApplication.processEvents()
        return not self.busy()

    def error(self, text: str) -> None:
        self.statusBar().showMessage(f"error: {text}", 15000)

    # ------------------------------------------------------------------ settings / quit
    def _restore_settings(self) -> None:
        settings = open_settings()
        geometry, state = settings.value("window/geometry"), settings.value("window/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:  # a state of the old layout (version 1) is ignored
            self.restoreState(state, window_layout.STATE_VERSION)
        self.show_view(str(read_json(settings, "window/view") or "samples"))
        window_layout.clamp_to_screen(self)  # saved on a larger screen: fit this one
        self.sampler.restore(read_json(settings, "sampler"))
        self.sampling.quality_sampler_changed()

    def save_settings(self) -> None:
        settings = open_settings()
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/state", self.saveState(window_layout.STATE_VERSION))
        write_json(settings, "window/view", self.stage.current_view())
        write_json(settings, "sampler", self.sampler.values())
        write_json(
            settings, "models", {n: untrusted_source(s.source) for n, s in self.slots.items()}
        )
        write_json(settings, "dataset", self.dataset_name)
        write_json(settings, "data_range", self.data_range)
        settings.sync()

    # ------------------------------------------------------------------ views
    def _view_shown(self, name: str) -> None:
        if name == "reconstructions":  # never an empty view: the first images
            self.reconstructions.show_first()

    def show_view(self, name: str) -> QWidget:
        """Put a view on the stage by its lower-case name: ``"samples"``, ``"map"``,
        ``"histograms"``, ``"reconstructions"``, ``"clusters"``, ``"diagnostics"``,
        ``"quality"``, ``"training"``; returns its page."""
        return self.stage.show_view(name)

    # ------------------------------------------------------------------ script API
    def load_model(
        self,
        slot: str,
        path: str | Path | None = None,
        encoder: Any = None,
        decoder: Any = None,
        trust: bool = False,
        input_range: Any = None,
        output_range: Any = None,
    ) -> None:
        """Load a bundle or an encoder/decoder pair into ``slot`` (see
        :meth:`SlotManager.load_model`)."""
        self.slot_manager.load_model(slot, path, encoder, decoder, trust, input_range, output_range)

    def load_source(self, slot: str, source: dict) -> None:
        self.slot_manager.load_source(slot, source)

    def loaded(self) -> list[Slot]:
        """The slots with a model."""
        return self.slot_manager.loaded()

    def clear_slot(self, slot: str) -> None:
        self.slot_manager.clear_slot(slot)

    def swap_slots(self) -> None:
        self.slot_manager.swap_slots()

    def set_dataset(self, dataset: str, data_range: tuple[float, float] | None = None) -> None:
        """Encode ``dataset`` with both models (see :meth:`SlotManager.set_dataset`)."""
        self.slot_manager.set_dataset(dataset, data_range)

    def resample(self) -> bool:
        """New z-points, decoded by A and B (see :meth:`Sampling.resample`)."""
        return self.sampling.resample()

    def draw_samples(self) -> bool:
        return self.sampling.draw_samples()

    def draw_plots(self) -> None:
        self.sampling.draw_plots()

    def show_tile(self, slot: str, index: int) -> None:
        self.sampling.show_tile(slot, index)

    def sharpen_params(self) -> dict[str, Any]:
        return self.sampling.sharpen_params()

    def set_sharpening(self, params: dict[str, Any]) -> None:
        self.sampling.set_sharpening(params)

    def export_grid(
        self, slot: str, path: str | Path, sharpened: bool = False, gif: bool = False
    ) -> list[Path]:
        """Save ``slot``'s grid (see :meth:`Sampling.export_grid`)."""
        return self.sampling.export_grid(slot, path, sharpened, gif)

    def export_gif(self, slot: str, path: str | Path) -> Path:
        return self.sampling.export_gif(slot, path)

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
        for debounced in self._debounced:
            debounced.cancel()
        self.pending.clear()
        self.quality.shutdown()
        await_workers(
            [
                self.runner,
                self.renderer,
                self.quality.judge,
                *(s.controller for s in self.slots.values()),
            ]
        )

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._shown:  # the window manager's frame is known now: fit it in too
            self._shown = True
            window_layout.clamp_to_screen(self)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._closed and not self.training.confirm_close():
            event.ignore()
            return
        if not self._closed:
            self.save_settings()
        self.shutdown()
        super().closeEvent(event)
