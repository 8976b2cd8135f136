"""Run / Cancel buttons with a progress bar, shared by the t-SNE and k-means panels."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLayout,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from explorer.gui.widgets.layouts import hbox
from explorer.gui.widgets.object_names import named

if TYPE_CHECKING:
    from explorer.core.latent.encodings import Encodings


class TaskControls(QWidget):
    """``runClicked``/``cancelClicked``; ``started()``, ``progress()``, ``ended(text)``;
    ``follow(task)`` connects a worker task to them."""

    runClicked = Signal()
    cancelClicked = Signal()

    def __init__(self, prefix: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.run_button = named(QPushButton("Run"), f"{prefix}Run")
        self.cancel_button = named(QPushButton("Cancel"), f"{prefix}Cancel")
        self.cancel_button.setEnabled(False)
        self.bar = named(QProgressBar(maximum=1000), f"{prefix}Progress")
        self.status = named(QLabel(wordWrap=True), f"{prefix}Status")
        self.run_button.clicked.connect(self.runClicked)
        self.cancel_button.clicked.connect(self.cancelClicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(hbox(self.run_button, self.cancel_button, self.bar, stretch=-1))
        layout.addWidget(self.status)

    def started(self, text: str) -> None:
        self.cancel_button.setEnabled(True)
        self.bar.setValue(0)
        self.status.setText(text)

    def progress(self, fraction: float, message: str) -> None:
        self.bar.setValue(int(fraction * 1000))
        self.status.setText(message)

    def follow(self, task) -> None:
        """Show a :class:`~explorer.gui.tasks.workers.Task`'s progress, error or cancel here."""
        task.on(
            on_error=lambda text: self.ended(f"error: {text}", error=True),
            on_progress=self.progress,
            on_cancel=lambda: self.ended("cancelled"),
        )

    def ended(self, text: str, error: bool = False) -> None:
        self.cancel_button.setEnabled(False)
        if not error:
            self.bar.setValue(1000 if text.startswith("done") else self.bar.value())
        self.status.setStyleSheet("color: #c00;" if error else "")
        self.status.setText(text)


def lay_out_panel(panel: QWidget, form: QLayout, controls: TaskControls, plot: QWidget, *below):
    """A task panel's layout: the form, the controls and ``below`` (widgets or layouts) in a
    column on the left, the plot taking the rest of the width."""
    side = QVBoxLayout()
    side.addLayout(form)
    side.addWidget(controls)
    for item in below:
        (side.addLayout if isinstance(item, QLayout) else side.addWidget)(item)
    side.addStretch(1)
    layout = QHBoxLayout(panel)
    layout.addLayout(side)
    layout.addWidget(plot, 1)


def encoded_slot(panel) -> tuple[str, Encodings] | None:
    """The slot chosen in ``panel.slot`` and its encoded data (``panel.data(slot)``); ``None``
    after saying so in ``panel.controls`` when the slot has none."""
    slot = panel.slot.currentText()
    enc = panel.data(slot)
    if enc is None:
        panel.controls.ended(f"slot {slot} has no encoded data", error=True)
        return None
    return slot, enc
