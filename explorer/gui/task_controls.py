"""Run / Cancel buttons with a progress bar, shared by the t-SNE and k-means panels."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget


class TaskControls(QWidget):
    """``runClicked``/``cancelClicked``; ``started()``, ``progress()``, ``ended(text)``."""

    runClicked = Signal()
    cancelClicked = Signal()

    def __init__(self, prefix: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.run_button = QPushButton("Run", objectName=f"{prefix}Run")
        self.cancel_button = QPushButton("Cancel", objectName=f"{prefix}Cancel", enabled=False)
        self.bar = QProgressBar(objectName=f"{prefix}Progress", maximum=1000)
        self.status = QLabel(objectName=f"{prefix}Status", wordWrap=True)
        self.run_button.clicked.connect(self.runClicked)
        self.cancel_button.clicked.connect(self.cancelClicked)
        row = QHBoxLayout()
        row.addWidget(self.run_button)
        row.addWidget(self.cancel_button)
        row.addWidget(self.bar, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.status)

    def started(self, text: str) -> None:
        self.cancel_button.setEnabled(True)
        self.bar.setValue(0)
        self.status.setText(text)

    def progress(self, fraction: float, message: str) -> None:
        self.bar.setValue(int(fraction * 1000))
        self.status.setText(message)

    def ended(self, text: str, error: bool = False) -> None:
        self.cancel_button.setEnabled(False)
        if not error:
            self.bar.setValue(1000 if text.startswith("done") else self.bar.value())
        self.status.setStyleSheet("color: #c00;" if error else "")
        self.status.setText(text)
