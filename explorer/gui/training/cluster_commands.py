"""What the other machines of a multi-worker training run: one command line per worker,
shown below the training form (with a Copy button) while the strategy is multi-worker."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from explorer.core.errors import ExplorerError
from explorer.gui.training.training_form import TrainingForm
from explorer.gui.widgets.layouts import hbox
from explorer.gui.widgets.object_names import named


class ClusterCommands(QWidget):
    """The other workers' command lines of the training the form describes."""

    def __init__(
        self, form: TrainingForm, options: Callable[[], dict[str, Any]], parent=None
    ) -> None:
        super().__init__(parent)
        self.form, self.options = form, options
        self.label = QLabel("Run on the other machines of the cluster:", wordWrap=True)
        self.box = named(QPlainTextEdit(readOnly=True), "trainClusterCommands")
        self.box.setToolTip(
            "the same training for every other worker: each runs its line on its own machine "
            "(the data set and, for --resume, the bundle at the same paths there)"
        )
        self.box.setMaximumHeight(90)
        self.copy = named(QPushButton("Copy"), "trainCopyClusterCommands")
        self.copy.clicked.connect(self._copy)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(hbox(self.label, self.copy))
        layout.addWidget(self.box)

    def commands(self) -> list[str]:
        """The command line each other worker of the multi-worker cluster runs ([] for
        another strategy, or while the cluster fields are not valid)."""
        from explorer.core.runtime.cluster import other_commands
        from explorer.core.training.train_command import command_arguments
        from explorer.core.training.train_options import TrainConfig

        if not self.form.multi_worker():
            return []
        try:
            config = TrainConfig.from_options(**self.options())
            cluster = config.cluster_of()
        except ExplorerError:
            return []
        if cluster is None or not config.cluster:  # from this process's TF_CONFIG
            return []
        return other_commands(command_arguments(config, without=("worker_index",)), cluster)

    def refresh(self) -> None:
        """Shown (with the lines) while the strategy is multi-worker, hidden otherwise."""
        shown = self.form.multi_worker()
        lines = self.commands()
        self.box.setPlainText(
            "\n".join(lines) if lines else "give the cluster (host:port of every worker, "
            "worker 0 first) and this machine's index"
        )  # fmt: skip
        self.setVisible(shown)
        self.copy.setEnabled(bool(lines))

    def _copy(self) -> None:
        clipboard = QGuiApplication.clipboard()
        if clipboard is not None:
            clipboard.setText("\n".join(self.commands()))
