"""Models panel: slots A and B (kind, z_dim, input shape, data set, final losses), load,
swap and clear."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


def describe(model: Any, dataset: str, n_encoded: int) -> str:
    """Rich text summary of a LatentModel (attributes only; the model is never called)."""
    meta = model.meta or {}
    shape = "x".join(str(v) for v in model.input_shape)
    trained = (meta.get("dataset") or {}).get("name", "?")
    rows = [
        ("model", f"{model.name}: {model.kind.upper()}, z_dim {model.z_dim}, input {shape}"),
        ("data", f"trained on {trained}; {n_encoded} images of {dataset} encoded"),
    ]
    if meta.get("kl_weight") is not None and model.kind == "vae":
        rows[0] = ("model", f"{rows[0][1]}, KL weight {meta['kl_weight']:g}")
    for split in ("train", "validation"):
        losses = ((meta.get("final") or {}).get(split)) or {}
        if losses.get("total_loss") is not None:
            parts = [
                f"{k.replace('_loss', '')} {v:.1f}"
                for k, v in losses.items()
                if v is not None and k != "total_loss" and (k != "kl_loss" or model.kind == "vae")
            ]
            rows.append(
                (
                    "train loss" if split == "train" else "val. loss",
                    f"{losses['total_loss']:.1f} ({', '.join(parts)})"
                    if parts
                    else f"{losses['total_loss']:.1f}",
                )
            )
    cells = "".join(f"<tr><td><b>{k}</b>&nbsp;</td><td>{v}</td></tr>" for k, v in rows)
    return f"<table>{cells}</table>"


class ModelSlotPanel(QGroupBox):
    """One slot: what is loaded, a progress bar while loading, Load… and Clear buttons."""

    loadRequested = Signal()
    clearRequested = Signal()

    def __init__(self, slot: str, parent: QWidget | None = None) -> None:
        super().__init__(f"Slot {slot}", parent)
        self.setObjectName(f"modelSlot{slot}")
        self.info = QLabel("empty", wordWrap=True)
        self.info.setObjectName(f"modelInfo{slot}")
        self.progress = QProgressBar(maximum=1000, textVisible=True)
        self.progress.hide()
        load = QPushButton("Load…")
        load.setToolTip(f"Load a model bundle (folder) into slot {slot}")
        load.clicked.connect(self.loadRequested)
        clear = QPushButton("Clear")
        clear.clicked.connect(self.clearRequested)
        buttons = QHBoxLayout()
        buttons.addWidget(load)
        buttons.addWidget(clear)
        layout = QVBoxLayout(self)
        layout.addWidget(self.info)
        layout.addWidget(self.progress)
        layout.addLayout(buttons)

    def set_loading(self, fraction: float, message: str) -> None:
        self.progress.show()
        self.progress.setValue(int(fraction * 1000))
        self.progress.setFormat(message or "%p%")

    def set_text(self, html: str) -> None:
        self.progress.hide()
        self.info.setText(html)


class ModelsPanel(QWidget):
    """Both slots and a Swap button."""

    swapRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.slots = {"A": ModelSlotPanel("A"), "B": ModelSlotPanel("B")}
        swap = QPushButton("Swap A ⇄ B", objectName="swapButton")
        swap.clicked.connect(self.swapRequested)
        layout = QVBoxLayout(self)
        layout.addWidget(self.slots["A"])
        layout.addWidget(swap)
        layout.addWidget(self.slots["B"])
        layout.addStretch(1)
