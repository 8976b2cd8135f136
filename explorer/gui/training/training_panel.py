"""The training panel (dock content): the form, Start / Cancel / Resume, progress, live losses.

The form (:class:`~.training_form.TrainingForm`) has a field for every option of
``latent-explorer train``, made from the options' declarations. Settings are checked while
they are edited, with the same :meth:`TrainConfig.validate` as the command line (no
TensorFlow needed): an invalid setting shows an inline message and disables Start. The panel
drives a :class:`~explorer.gui.training.training_controller.TrainingController` (its own, or the
window's) and emits :attr:`exploreCheckpoint` ``(bundle_path, slot)`` for "Explore latest
checkpoint"; the window connects it to its model loading (an independent copy, never the
model in training).
"""

from __future__ import annotations

import contextlib
from typing import Any

from PySide6.QtCore import QTimer, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from explorer.core.errors import BundleThere, ExplorerError
from explorer.core.training.train_start import OutputInUse
from explorer.core.util.clock import format_duration
from explorer.gui.plots.plot_renderer import PlotRenderer
from explorer.gui.training.cluster_commands import ClusterCommands
from explorer.gui.training.loss_plot import LossPlot
from explorer.gui.training.training_controller import TrainingController
from explorer.gui.training.training_form import TrainingForm
from explorer.gui.widgets.later import Later
from explorer.gui.widgets.layouts import hbox
from explorer.gui.widgets.object_names import named
from explorer.gui.widgets.scrolling import scroll_area

ERROR_STYLE = "color: #c00;"
FORM_PX = 430  # the settings column's width (at least; 140 more at most)


class TrainingPanel(QWidget):
    """Settings and live view of training.

    Signals
    -------
    exploreCheckpoint(str, str)
        ``(bundle_path, slot)`` with slot ``"A"`` or ``"B"``: load the latest checkpoint.

    Public slots/methods: :meth:`options`, :meth:`set_options`, :meth:`start`,
    :meth:`resume`, :meth:`cancel`, :meth:`validate_now`. The form's fields are attributes
    too, by option name (``panel.strides``, ``panel.dataset``, ``panel.out``).
    """

    exploreCheckpoint = Signal(str, str)  # noqa: N815 - Qt signal naming

    def __init__(
        self,
        renderer: PlotRenderer,
        controller: TrainingController | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("trainingPanel")
        self.renderer = renderer  # draws the loss curves (the window's plot renderer)
        self.controller = controller or TrainingController(self)
        self.latest_checkpoint = ""
        self.steps_per_execution = 1  # of the running training: what a cancel waits for
        self.tensorboard_dir = ""  # of the last training started (a resume may keep it)
        self._build()
        self._connect()
        self.cluster.refresh()
        self.validate_now()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        self.form = TrainingForm(self)
        fields = {**self.form.widgets, "out": self.form.out, "overwrite": self.form.overwrite}
        for name, widget in fields.items():  # panel.strides, panel.out, ... (scripts, tests)
            setattr(self, name, widget)
        self.start_button = named(QPushButton("Start"), "trainStart")
        self.cancel_button = named(QPushButton("Cancel"), "trainCancel")
        self.cancel_button.setEnabled(False)
        self.resume_button = named(QPushButton("Resume…"), "trainResume")
        self.resume_button.setToolTip("continue the bundle in Output for Epochs more epochs")
        self.message = named(QLabel(wordWrap=True), "trainMessage")
        self.message.setStyleSheet(ERROR_STYLE)
        self.progress = named(QProgressBar(maximum=1000), "trainProgress")
        self.status = named(QLabel("idle", wordWrap=True), "trainStatus")
        self.queue_label = named(QLabel(wordWrap=True), "trainQueue")
        self.device = named(QLabel("device: shown when training starts"), "trainDevice")
        self.log_scale = named(QCheckBox("log scale"), "trainLogScale")
        self.plot = LossPlot(self.renderer)
        self.explore_slot = named(QComboBox(), "trainExploreSlot")
        self.explore_slot.addItems(["A", "B"])
        self.explore_button = named(QPushButton("Explore latest checkpoint"), "trainExplore")
        self.explore_button.setEnabled(False)
        self.tensorboard_button = named(
            QPushButton("Open TensorBoard command"), "trainTensorboardCommand"
        )
        self.tensorboard_button.setEnabled(False)
        self.tensorboard_button.setToolTip(
            "print the tensorboard --logdir line for the TensorBoard folder (and copy it); "
            "TensorBoard itself is optional and not started here"
        )
        self.cluster = ClusterCommands(self.form, self.options)
        # The settings at the left (they scroll, vertically only); at the right what a run
        # shows: Start / Cancel / Resume first, so that nothing below them (a status line
        # that wraps, the queue) moves them under the mouse, then progress and the curves.
        settings = QWidget()
        left = QVBoxLayout(settings)
        left.setContentsMargins(0, 0, 4, 0)
        left.addWidget(self.form)
        left.addWidget(self.cluster)
        left.addStretch(1)
        self.form_scroll = scroll_area(settings, "trainingFormScroll")
        self.form_scroll.setMinimumWidth(FORM_PX)
        self.form_scroll.setMaximumWidth(FORM_PX + 140)
        run = QVBoxLayout()
        run.addLayout(hbox(self.start_button, self.cancel_button, self.resume_button, stretch=None))
        run.addWidget(self.message)
        run.addWidget(self.progress)
        run.addWidget(self.status)
        run.addWidget(self.queue_label)
        run.addLayout(hbox(self.device, self.log_scale))
        run.addWidget(self.plot, 1)
        run.addLayout(hbox(self.explore_button, QLabel("into slot"), self.explore_slot))
        run.addWidget(self.tensorboard_button)
        layout = QHBoxLayout(self)
        layout.addWidget(self.form_scroll)
        layout.addLayout(run, 1)

    def _connect(self) -> None:
        self._validate_soon = Later(self.validate_now, 150, self)
        self._pending_progress: dict | None = None
        self._started_job: int | None = None  # the job whose "started" event came last
        self._progress_timer = QTimer(self, interval=100)
        self._progress_timer.timeout.connect(self._show_progress)
        self.form.edited.connect(self._schedule_validation)
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.resume_button.clicked.connect(self.resume)
        self.explore_button.clicked.connect(self._explore)
        self.tensorboard_button.clicked.connect(self.tensorboard_command)
        self.form.edited.connect(self._update_tensorboard_button)
        self.form.edited.connect(self.cluster.refresh)
        self.log_scale.toggled.connect(self.plot.set_log_scale)
        c = self.controller
        c.started.connect(self._on_started)
        c.progress.connect(self._on_progress)
        c.busyChanged.connect(self._busy_changed)
        c.epochCompleted.connect(self._on_epoch)
        c.finished.connect(self._on_finished)
        c.cancelled.connect(self._on_cancelled)
        c.failed.connect(self._on_failed)
        c.queueChanged.connect(self._on_queue)
        c.queueChanged.connect(self._schedule_validation)  # an output folder became free

    # ------------------------------------------------------------------ options
    def options(self, resume: bool = False) -> dict[str, Any]:
        """The settings as ``latent-explorer train`` options (may raise ExplorerError for
        text that is not a list of numbers or a range)."""
        return self.form.options(resume)

    def set_options(self, **options: Any) -> None:
        """Fill the fields from ``latent-explorer train`` options (unknown keys ignored)."""
        self.form.set_options(**options)
        self.validate_now()

    # ------------------------------------------------------------------ validation
    def _schedule_validation(self, *_args: Any) -> None:
        self._validate_soon()

    @Slot()
    def validate_now(self) -> bool:
        """Check the settings now; flag a problem inline and disable Start. True if valid."""
        self._validate_soon.cancel()
        try:
            self.controller.validate(**self.options())
        except ExplorerError as exc:
            problem = str(exc)
            note = isinstance(exc, (OutputInUse, BundleThere))
        else:
            problem, note = "", False
        # the output folder of a running training, or the bundle a training wrote there: a
        # note in the normal colour (Resume continues it), not an error
        self.message.setStyleSheet("" if note else ERROR_STYLE)
        self.message.setText(problem)
        self.message.setVisible(bool(problem))
        self.start_button.setEnabled(not problem)
        self.start_button.setToolTip(problem)
        return not problem

    # ------------------------------------------------------------------ commands
    @Slot()
    def start(self) -> int | None:
        """Queue a training with the current settings; return its job id (None if refused)."""
        return self._submit(self.options)

    @Slot()
    def resume(self) -> int | None:
        """Continue the bundle in the output field for ``epochs`` more epochs."""
        if not self.form.out.text().strip():
            self.form.browse_out_folder(existing=True)
        return self._submit(lambda: self.options(resume=True))

    def _submit(self, make_options) -> int | None:
        try:
            job = self.controller.start_training(**make_options())
        except ExplorerError as exc:
            self._show_problem(str(exc))
            return None
        self.message.setVisible(False)
        return job

    @Slot()
    def cancel(self) -> None:
        self.controller.cancel_training()
        n = self.steps_per_execution
        self.status.setText(
            "stopping after the current batch…"
            if n <= 1
            else f"stopping after the current execution of up to {n} batches (steps per execution)…"
        )

    def _tensorboard_dir(self) -> str:
        text = self.form.field("tensorboard", QLineEdit).text().strip()
        return text or self.tensorboard_dir

    def _update_tensorboard_button(self) -> None:
        self.tensorboard_button.setEnabled(bool(self._tensorboard_dir()))

    @Slot()
    def tensorboard_command(self) -> str:
        """Print (and copy, and show) the ``tensorboard --logdir`` line of the TensorBoard
        folder; TensorBoard is not started. Returns the line ("" without a folder)."""
        from explorer.core.training.training_tensorboard import tensorboard_command

        folder = self._tensorboard_dir()
        if not folder:
            return ""
        line = tensorboard_command(folder)
        print(line, flush=True)
        clipboard = QGuiApplication.clipboard()
        if clipboard is not None:
            clipboard.setText(line)
        self.status.setText(
            f"{line}   (copied; run it in a terminal where TensorBoard is installed)"
        )
        return line

    def cluster_commands(self) -> list[str]:
        """The command line each other worker of a multi-worker cluster runs."""
        return self.cluster.commands()

    def _explore(self) -> None:
        if self.latest_checkpoint:
            self.exploreCheckpoint.emit(self.latest_checkpoint, self.explore_slot.currentText())

    def _show_problem(self, text: str) -> None:
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setText(text)
        self.message.setVisible(True)

    # ------------------------------------------------------------------ controller events
    def _busy_changed(self, busy: bool) -> None:
        if not busy:  # the last run ended: its output folder is free (or holds its bundle)
            self.validate_now()

    def _on_started(self, e: dict) -> None:
        self._started_job = e.get("job")
        self._pending_progress = None
        self._progress_timer.start()
        self.cancel_button.setEnabled(True)
        self.progress.setValue(int(1000 * e["initial_epoch"] / max(1, e["epochs"])))
        replicas = e.get("replicas", 1)
        self.steps_per_execution = int(e.get("steps_per_execution", 1))
        self.tensorboard_dir = e.get("tensorboard") or ""
        self._update_tensorboard_button()
        notes = "".join(f"\n{note}" for note in e.get("notes", []))
        self.device.setText(
            f"device: {e['device']}" + (f" ({replicas} replicas)" if replicas > 1 else "") + notes
        )
        where = f" as {e['worker']}" if e.get("worker") else ""
        self.status.setText(
            f"training {e['kind'].upper()} into {e['bundle']}{where}: {e['n_train']} train / "
            f"{e['n_val']} validation images, epochs {e['initial_epoch'] + 1}..{e['epochs']}"
        )
        self.plot.reset(e["kind"])
        if e["initial_epoch"]:
            from explorer.core.model.store import read_meta

            with contextlib.suppress(ExplorerError):
                self.plot.set_history(read_meta(e["bundle"]).get("history", []))
        self.latest_checkpoint = e["bundle"] if e["initial_epoch"] else ""
        self.explore_button.setEnabled(bool(self.latest_checkpoint))

    def _on_progress(self, e: dict) -> None:
        # the bar and status line follow at most 10 times a second (_show_progress); the
        # loss plot keeps every batch and throttles its own redraws
        self._pending_progress = e
        self.plot.add_batch(e)

    def _show_progress(self) -> None:
        e, self._pending_progress = self._pending_progress, None
        if e is None:
            return
        self.progress.setValue(int(round(1000 * e["fraction"])))
        logs = e["logs"]
        self.status.setText(
            f"epoch {e['epoch'] + 1}/{e['epochs']}, batch {e['batch'] + 1}/{e['steps']} · "
            f"loss {logs.get('total_loss', float('nan')):.2f} · "
            f"{e['images_per_s']:.0f} images/s · ETA {format_duration(e['eta_s'])}"
        )

    def _on_epoch(self, e: dict) -> None:
        self.plot.add_epoch(e["row"])
        self.latest_checkpoint = e["checkpoint"]
        self.explore_button.setEnabled(True)

    def _ended(self, text: str, error: bool = False) -> None:
        self._progress_timer.stop()
        self._show_progress()
        self.cancel_button.setEnabled(self.controller.busy())
        self.status.setText(text)
        self.status.setStyleSheet("color: #c00;" if error else "")
        self.plot.flush()

    def _on_finished(self, r: dict) -> None:
        self.progress.setValue(1000)
        self._ended(f"finished: {r['epochs_done']} epochs in {r['bundle']}")
        self.validate_now()  # the output folder is a bundle now

    def _on_cancelled(self, r: dict) -> None:
        done = r["epochs_done"]
        if done is None:
            self._ended("cancelled before training started")
        else:
            kept = f"checkpoint of epoch {done} kept" if done else "no epoch had finished"
            self._ended(f"cancelled: {kept} in {r['bundle']}")
        self.validate_now()

    def _on_failed(self, text: str) -> None:
        self._ended(f"failed: {text}", error=True)
        self.validate_now()

    def _on_queue(self, rows: list) -> None:
        waiting = [r for r in rows if not r["running"]]
        self.queue_label.setText(
            "queued: " + "; ".join(f"{r['what']} → {r['out']}" for r in waiting) if waiting else ""
        )
        self.queue_label.setVisible(bool(waiting))
        running = [r for r in rows if r["running"]]
        self.cancel_button.setEnabled(bool(running))
        if running and running[0]["job"] != self._started_job:  # until its "started" event
            self.status.setStyleSheet("")
            self.status.setText(
                f"starting {running[0]['what']} → {running[0]['out']}: "
                "loading TensorFlow and the data…"
            )
