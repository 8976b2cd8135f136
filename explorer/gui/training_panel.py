"""The training panel (dock content): settings, Start / Cancel / Resume, progress, live losses.

Every option of ``latent-explorer train`` has a field. Settings are checked while they are
edited (with :meth:`TrainConfig.validate`, no TensorFlow needed): an invalid setting shows
an inline message and disables Start. The panel drives a
:class:`~explorer.gui.training_controller.TrainingController` (its own, or the window's) and
emits :attr:`exploreCheckpoint` ``(bundle_path, slot)`` for "Explore latest checkpoint"; the
window connects it to its model loading (an independent copy, never the model in training).
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from explorer.core.errors import ExplorerError
from explorer.gui.loss_plot import LossPlot
from explorer.gui.plot_renderer import PlotRenderer
from explorer.gui.training_controller import OutputInUse, TrainingController

PRESETS = ("mnist", "celeba96", "celeba64")
ERROR_STYLE = "color: #c00;"
DATASETS = ("mnist-5k", "mnist", "fashion-mnist")
ACTIVATIONS = ("leaky_relu", "relu", "selu")


def _ints(text: str) -> list[int] | None:
    """``"32, 64,128"`` -> ``[32, 64, 128]``; empty -> ``None`` (the preset's)."""
    parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    if not parts:
        return None
    try:
        return [int(p) for p in parts]
    except ValueError:
        raise ExplorerError(f"expected comma-separated whole numbers, got {text!r}") from None


def _check_dataset(spec: str) -> None:
    """A quick check that needs no TensorFlow: built-in names, an existing folder or file."""
    from explorer.core.errors import DatasetError

    if spec in DATASETS:
        return
    path = Path(spec).expanduser()
    if not spec or not path.exists():
        raise DatasetError(
            f"{spec or 'no data set'}: no such data set; use {', '.join(DATASETS)}, an image folder, or a .npz/.npy file"
        )
    if path.is_file() and path.suffix not in (".npz", ".npy"):
        raise DatasetError(f"{path}: not a data set (expected a folder of images, .npz or .npy)")


def _fmt_duration(seconds: float) -> str:
    s = int(round(max(0.0, seconds)))
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class TrainingPanel(QWidget):
    """Settings and live view of training.

    Signals
    -------
    exploreCheckpoint(str, str)
        ``(bundle_path, slot)`` with slot ``"A"`` or ``"B"``: load the latest checkpoint.

    Public slots/methods: :meth:`options`, :meth:`set_options`, :meth:`start`,
    :meth:`resume`, :meth:`cancel`, :meth:`validate_now`, :meth:`set_device`.
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
        self._build()
        self._connect()
        self._on_preset(self.preset.currentText())
        self.validate_now()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        self.kind = QComboBox(objectName="trainKind")
        self.kind.addItem("VAE", "vae")
        self.kind.addItem("AE", "ae")
        self.preset = QComboBox(objectName="trainPreset")
        self.preset.addItems(PRESETS)
        self.filters = QLineEdit(objectName="trainFilters", placeholderText="32,64,128")
        self.kernels = QLineEdit(objectName="trainKernels", placeholderText="3")
        self.strides = QLineEdit(objectName="trainStrides", placeholderText="1,2,2")
        self.z_dim = QSpinBox(objectName="trainZDim", minimum=1, maximum=4096)
        self.activation = QComboBox(objectName="trainActivation")
        self.activation.addItems(ACTIVATIONS)
        self.batch_norm = QCheckBox("BatchNorm", objectName="trainBatchNorm")
        self.dropout = QDoubleSpinBox(objectName="trainDropout", maximum=0.95, singleStep=0.05)
        self.dense = QSpinBox(objectName="trainDense", maximum=8192, singleStep=64)
        self.dense.setSpecialValueText("none")
        self.kl_weight = QDoubleSpinBox(
            objectName="trainKlWeight", decimals=4, maximum=1e4, singleStep=0.1, value=1.0
        )
        self.eps_clip = QDoubleSpinBox(
            objectName="trainEpsClip", decimals=2, minimum=0.0, maximum=100.0, value=5.0
        )
        self.reconstruction = QComboBox(objectName="trainReconstruction")
        self.reconstruction.addItem("binary cross-entropy (summed)", "bce")
        self.reconstruction.addItem("squared error (summed)", "mse")

        self.dataset = QComboBox(objectName="trainDataset", editable=True)
        self.dataset.addItems(DATASETS)
        self.browse_folder = QPushButton("Folder…", objectName="trainBrowseFolder")
        self.browse_file = QPushButton("Arrays…", objectName="trainBrowseArrays")
        self.image_size = QSpinBox(objectName="trainImageSize", maximum=1024)
        self.image_size.setSpecialValueText("preset's")
        self.max_images = QSpinBox(objectName="trainMaxImages", maximum=10_000_000, singleStep=256)
        self.max_images.setSpecialValueText("all")
        self.validation = QDoubleSpinBox(
            objectName="trainValidation", maximum=0.9, singleStep=0.05, value=0.1
        )
        self.epochs = QSpinBox(objectName="trainEpochs", minimum=1, maximum=100_000, value=10)
        self.batch_size = QSpinBox(
            objectName="trainBatchSize", minimum=1, maximum=65_536, value=128
        )
        self.learning_rate = QDoubleSpinBox(
            objectName="trainLearningRate", decimals=6, minimum=1e-6, maximum=1.0, value=5e-4
        )
        self.learning_rate.setSingleStep(1e-4)
        self.seed = QSpinBox(objectName="trainSeed", maximum=2**31 - 1)
        self.out = QLineEdit(objectName="trainOut", placeholderText="folder of the new bundle")
        self.browse_out = QPushButton("Browse…", objectName="trainBrowseOut")
        self.overwrite = QCheckBox("overwrite a bundle there", objectName="trainOverwrite")

        self.start_button = QPushButton("Start", objectName="trainStart")
        self.cancel_button = QPushButton("Cancel", objectName="trainCancel", enabled=False)
        self.resume_button = QPushButton("Resume…", objectName="trainResume")
        self.resume_button.setToolTip("continue the bundle in Output for Epochs more epochs")
        self.message = QLabel(objectName="trainMessage", wordWrap=True)
        self.message.setStyleSheet(ERROR_STYLE)
        self.progress = QProgressBar(objectName="trainProgress", maximum=1000)
        self.status = QLabel("idle", objectName="trainStatus", wordWrap=True)
        self.queue_label = QLabel(objectName="trainQueue", wordWrap=True)
        self.device = QLabel("device: shown when training starts", objectName="trainDevice")
        self.log_scale = QCheckBox("log scale", objectName="trainLogScale")
        self.plot = LossPlot(self.renderer)
        self.explore_slot = QComboBox(objectName="trainExploreSlot")
        self.explore_slot.addItems(["A", "B"])
        self.explore_button = QPushButton(
            "Explore latest checkpoint", objectName="trainExplore", enabled=False
        )

        model = QGroupBox("Model")
        f = QFormLayout(model)
        f.addRow("kind", self.kind)
        f.addRow("preset", self.preset)
        f.addRow("filters", self.filters)
        f.addRow("kernel sizes", self.kernels)
        f.addRow("strides", self.strides)
        f.addRow("z_dim", self.z_dim)
        f.addRow("activation", self.activation)
        f.addRow("", self.batch_norm)
        f.addRow("dropout", self.dropout)
        f.addRow("extra Dense", self.dense)
        f.addRow("KL weight", self.kl_weight)
        f.addRow("eps clip", self.eps_clip)
        f.addRow("reconstruction", self.reconstruction)

        data = QGroupBox("Data and training")
        g = QFormLayout(data)
        row = QHBoxLayout()
        row.addWidget(self.dataset, 1)
        row.addWidget(self.browse_folder)
        row.addWidget(self.browse_file)
        g.addRow("data set", row)
        g.addRow("image size", self.image_size)
        g.addRow("max images", self.max_images)
        g.addRow("validation split", self.validation)
        g.addRow("epochs", self.epochs)
        g.addRow("batch size", self.batch_size)
        g.addRow("learning rate", self.learning_rate)
        g.addRow("seed", self.seed)
        out_row = QHBoxLayout()
        out_row.addWidget(self.out, 1)
        out_row.addWidget(self.browse_out)
        g.addRow("output", out_row)
        g.addRow("", self.overwrite)

        buttons = QHBoxLayout()
        for b in (self.start_button, self.cancel_button, self.resume_button):
            buttons.addWidget(b)
        explore = QHBoxLayout()
        explore.addWidget(self.explore_button, 1)
        explore.addWidget(QLabel("into slot"))
        explore.addWidget(self.explore_slot)
        plot_row = QHBoxLayout()
        plot_row.addWidget(self.device, 1)
        plot_row.addWidget(self.log_scale)

        layout = QVBoxLayout(self)
        layout.addWidget(model)
        layout.addWidget(data)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.queue_label)
        layout.addLayout(plot_row)
        layout.addWidget(self.plot, 1)
        layout.addLayout(explore)

    def _connect(self) -> None:
        self._validate_timer = QTimer(self, singleShot=True, interval=150)
        self._validate_timer.timeout.connect(self.validate_now)
        self._pending_progress: dict | None = None
        self._progress_timer = QTimer(self, interval=100)
        self._progress_timer.timeout.connect(self._show_progress)
        for w in (self.filters, self.kernels, self.strides, self.out):
            w.textChanged.connect(self._schedule_validation)
        for w in (self.z_dim, self.dense, self.image_size, self.max_images, self.epochs):
            w.valueChanged.connect(self._schedule_validation)
        for w in (self.batch_size, self.seed, self.dropout, self.kl_weight, self.eps_clip):
            w.valueChanged.connect(self._schedule_validation)
        for w in (self.validation, self.learning_rate):
            w.valueChanged.connect(self._schedule_validation)
        for w in (self.kind, self.activation, self.reconstruction):
            w.currentIndexChanged.connect(self._schedule_validation)
        self.dataset.currentTextChanged.connect(self._schedule_validation)
        self.batch_norm.toggled.connect(self._schedule_validation)
        self.overwrite.toggled.connect(self._schedule_validation)
        self.preset.currentTextChanged.connect(self._on_preset)
        self.kind.currentIndexChanged.connect(self._on_kind)
        self.browse_folder.clicked.connect(self._browse_folder)
        self.browse_file.clicked.connect(self._browse_arrays)
        self.browse_out.clicked.connect(self._browse_out)
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.resume_button.clicked.connect(self.resume)
        self.explore_button.clicked.connect(self._explore)
        self.log_scale.toggled.connect(self.plot.set_log_scale)
        c = self.controller
        c.started.connect(self._on_started)
        c.progress.connect(self._on_progress)
        c.epochCompleted.connect(self._on_epoch)
        c.finished.connect(self._on_finished)
        c.cancelled.connect(self._on_cancelled)
        c.failed.connect(self._on_failed)
        c.queueChanged.connect(self._on_queue)
        c.queueChanged.connect(self._schedule_validation)  # an output folder became free

    # ------------------------------------------------------------------ options
    def options(self, resume: bool = False) -> dict[str, Any]:
        """The settings as ``latent-explorer train`` options (may raise ExplorerError for
        text that is not a list of numbers)."""
        common = {
            "out": self.out.text().strip(),
            "epochs": self.epochs.value(),
        }
        if resume:
            return {**common, "resume": True}
        return {
            **common,
            "kind": self.kind.currentData(),
            "preset": self.preset.currentText(),
            "filters": _ints(self.filters.text()),
            "kernel_sizes": _ints(self.kernels.text()),
            "strides": _ints(self.strides.text()),
            "z_dim": self.z_dim.value(),
            "activation": self.activation.currentText(),
            "batch_norm": self.batch_norm.isChecked(),
            "dropout": self.dropout.value(),
            "dense_units": self.dense.value(),
            "kl_weight": self.kl_weight.value(),
            "eps_clip": self.eps_clip.value(),
            "reconstruction": self.reconstruction.currentData(),
            "dataset": self.dataset.currentText().strip(),
            "image_size": self.image_size.value() or None,
            "max_images": self.max_images.value() or None,
            "validation_split": self.validation.value(),
            "batch_size": self.batch_size.value(),
            "learning_rate": self.learning_rate.value(),
            "seed": self.seed.value(),
            "overwrite": self.overwrite.isChecked(),
        }

    def set_options(self, **options: Any) -> None:
        """Fill the fields from ``latent-explorer train`` options (unknown keys ignored)."""
        if "preset" in options:
            self.preset.setCurrentText(options["preset"])
        if "kind" in options:
            self.kind.setCurrentIndex(self.kind.findData(options["kind"]))
        lists = {"filters": self.filters, "kernel_sizes": self.kernels, "strides": self.strides}
        for key, edit in lists.items():
            if options.get(key) is not None:
                edit.setText(",".join(str(v) for v in options[key]))
        spins = {
            "z_dim": self.z_dim,
            "dropout": self.dropout,
            "dense_units": self.dense,
            "kl_weight": self.kl_weight,
            "eps_clip": self.eps_clip,
            "image_size": self.image_size,
            "max_images": self.max_images,
            "validation_split": self.validation,
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "learning_rate": self.learning_rate,
            "seed": self.seed,
        }
        for key, spin in spins.items():
            if key in options:
                spin.setValue(options[key] or 0)
        if "activation" in options:
            self.activation.setCurrentText(options["activation"])
        if "batch_norm" in options:
            self.batch_norm.setChecked(bool(options["batch_norm"]))
        if "reconstruction" in options:
            self.reconstruction.setCurrentIndex(
                self.reconstruction.findData(options["reconstruction"])
            )
        if "dataset" in options:
            self.dataset.setCurrentText(str(options["dataset"]))
        if "out" in options:
            self.out.setText(str(options["out"]))
        if "overwrite" in options:
            self.overwrite.setChecked(bool(options["overwrite"]))
        self.validate_now()

    # ------------------------------------------------------------------ validation
    def _schedule_validation(self, *_args: Any) -> None:
        self._validate_timer.start()

    @Slot()
    def validate_now(self) -> bool:
        """Check the settings now; flag a problem inline and disable Start. True if valid."""
        self._validate_timer.stop()
        try:
            options = self.options()
            self.controller.validate(**options)
            _check_dataset(options["dataset"])
        except ExplorerError as exc:
            problem = str(exc)
            in_use = isinstance(exc, OutputInUse)
        else:
            problem, in_use = "", False
        # the output folder of a running training: a note in the normal colour, not an error
        self.message.setStyleSheet("" if in_use else ERROR_STYLE)
        self.message.setText(problem)
        self.message.setVisible(bool(problem))
        self.start_button.setEnabled(not problem)
        self.start_button.setToolTip(problem)
        return not problem

    def _on_preset(self, name: str) -> None:
        from explorer.core.model.config import PRESETS as ARCHS

        arch = ARCHS.get(name)
        if arch is not None:
            self.filters.setText(",".join(map(str, arch.filters)))
            self.kernels.setText(",".join(map(str, arch.kernel_sizes)))
            self.strides.setText(",".join(map(str, arch.strides)))
            self.z_dim.setValue(arch.z_dim)
            self.activation.setCurrentText(arch.activation)
            self.batch_norm.setChecked(arch.batch_norm)
            self.dropout.setValue(arch.dropout)
            self.dense.setValue(arch.dense_units)
        self._schedule_validation()

    def _on_kind(self, *_args: Any) -> None:
        vae = self.kind.currentData() == "vae"
        self.kl_weight.setEnabled(vae)
        self.eps_clip.setEnabled(vae)

    # ------------------------------------------------------------------ commands
    @Slot()
    def start(self) -> int | None:
        """Queue a training with the current settings; return its job id (None if refused)."""
        return self._submit(self.options)

    @Slot()
    def resume(self) -> int | None:
        """Continue the bundle in the output field for ``epochs`` more epochs."""
        if not self.out.text().strip():
            self._browse_out(existing=True)
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
        self.status.setText("stopping after the current batch…")

    def set_device(self, text: str) -> None:
        """Show the device line (e.g. :func:`explorer.core.runtime.devices.device_line`, once the
        window has loaded TensorFlow); training updates it when it starts."""
        self.device.setText(f"device: {text}")

    def _explore(self) -> None:
        if self.latest_checkpoint:
            self.exploreCheckpoint.emit(self.latest_checkpoint, self.explore_slot.currentText())

    def _show_problem(self, text: str) -> None:
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setText(text)
        self.message.setVisible(True)

    # ------------------------------------------------------------------ controller events
    def _on_started(self, e: dict) -> None:
        self._pending_progress = None
        self._progress_timer.start()
        self.cancel_button.setEnabled(True)
        self.progress.setValue(int(1000 * e["initial_epoch"] / max(1, e["epochs"])))
        replicas = e.get("replicas", 1)
        self.device.setText(
            f"device: {e['device']}" + (f" ({replicas} replicas)" if replicas > 1 else "")
        )
        self.status.setText(
            f"training {e['kind'].upper()} into {e['bundle']}: {e['n_train']} train / "
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
            f"{e['images_per_s']:.0f} images/s · ETA {_fmt_duration(e['eta_s'])}"
        )

    def _on_epoch(self, e: dict) -> None:
        self.plot.add_epoch(e["row"])
        self.latest_checkpoint = e["checkpoint"]
        self.explore_button.setEnabled(True)

    def _ended(self, text: str, error: bool = False) -> None:
        self._progress_timer.stop()
        self._show_progress()
        self.cancel_button.setEnabled(self.controller.is_busy())
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
        self.cancel_button.setEnabled(any(r["running"] for r in rows))

    # ------------------------------------------------------------------ dialogs
    def _browse_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Image folder")
        if path:
            self.dataset.setCurrentText(path)

    def _browse_arrays(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Images array file", "", "Arrays (*.npz *.npy)")
        if path:
            self.dataset.setCurrentText(path)

    def _browse_out(self, existing: bool = False) -> None:
        start = str(Path(self.out.text()).parent) if self.out.text() else ""
        title = "Bundle to resume" if existing else "Output bundle folder"
        path = QFileDialog.getExistingDirectory(self, title, start)
        if path:
            self.out.setText(path)
