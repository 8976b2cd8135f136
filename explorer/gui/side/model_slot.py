"""Models panel: slots A and B (kind, z_dim, input shape, data set, final losses), load,
swap and clear."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from explorer.core.ranges import COMMON_RANGES, format_range
from explorer.gui.widgets.object_names import named

RANGE_CHOICES = {format_range(r, ":"): r for r in COMMON_RANGES}
"""The value ranges the slot offers besides "auto" (detected from the file, else [0, 1])."""


def describe(model: Any, dataset: str, n_encoded: int, data_note: str = "") -> str:
    """Rich text summary of a LatentModel in a few short lines (attributes only; the model
    is never called): name and kind, the data encoded, the final losses."""
    meta = model.meta or {}
    shape = "x".join(str(v) for v in model.input_shape)
    kind = f"{model.kind.upper()}, z_dim {model.z_dim}, {shape}"
    if meta.get("kl_weight") is not None and model.kind == "vae":
        kind += f", KL weight {meta['kl_weight']:g}"
    lines = [f"<b>{model.name}</b>: {kind}"]
    if model.bundle is None:  # an encoder/decoder pair: say what files they are
        lines.append(_files(model))
    trained = (meta.get("dataset") or {}).get("name")
    encoded = f"{n_encoded} images of {dataset} encoded"
    if data_note:  # e.g. "x.npz: float values in [-1, 1] (detected)"
        encoded += f" ({data_note.split(': ', 1)[-1]})"
    lines.append(f"{encoded}; trained on {trained}" if trained else encoded)
    losses = []
    for split, name in (("train", "loss"), ("validation", "val.")):
        final = ((meta.get("final") or {}).get(split)) or {}
        if final.get("total_loss") is not None:
            losses.append(f"{name} {final['total_loss']:.1f}")
    if losses:
        lines.append(", ".join(losses))
    return "<br>".join(lines)


def _files(model: Any) -> str:
    enc, dec = model.encoder.format, model.decoder.format
    text = enc if enc == dec else f"encoder {enc}, decoder {dec}"
    if model.channels_first:
        text += ", channels-first (transposed)"
    return text + (", trusted code" if model.trusted else "")


class ModelSlotPanel(QGroupBox):
    """One slot: what is loaded, a progress bar while loading, the value ranges, the last
    load error, Load (a bundle or an encoder/decoder pair) and Clear buttons."""

    loadRequested = Signal()
    loadPairRequested = Signal()
    clearRequested = Signal()
    rangesChanged = Signal(object, object)  # input, output: (lo, hi) or None for auto

    def __init__(self, slot: str, parent: QWidget | None = None) -> None:
        super().__init__(f"Slot {slot}", parent)
        self.setObjectName(f"modelSlot{slot}")
        self.info = QLabel("empty", wordWrap=True)
        self.info.setObjectName(f"modelInfo{slot}")
        # never squeezed below its text: the docks below give way instead
        self.info.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.progress = QProgressBar(maximum=1000, textVisible=True)
        self.progress.hide()
        self.error = named(QLabel("", wordWrap=True), f"modelError{slot}")
        self.error.setStyleSheet("color: #b00020")
        self.error.hide()
        self.ranges = {part: self._range_box(slot, part) for part in ("input", "output")}
        ranges = QHBoxLayout()  # one row: the panel stays short enough for both slots
        for part, text in (("input", "in"), ("output", "out")):
            label = QLabel(text)
            label.setToolTip(f"the {part} value range")
            ranges.addWidget(label)
            ranges.addWidget(self.ranges[part], 1)
        load = named(QPushButton("Load…"), f"loadButton{slot}")
        load.setToolTip(f"Load a model into slot {slot}")
        menu = QMenu(load)
        menu.addAction("Model bundle (folder)…", self.loadRequested.emit).setObjectName(
            f"loadBundle{slot}"
        )
        pair = "Encoder + decoder files (.keras, .h5, .onnx, SavedModel)…"
        menu.addAction(pair, self.loadPairRequested.emit).setObjectName(f"loadPair{slot}")
        load.setMenu(menu)
        clear = QPushButton("Clear")
        clear.clicked.connect(self.clearRequested)
        buttons = QHBoxLayout()
        buttons.addWidget(load)
        buttons.addWidget(clear)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(3)
        layout.addWidget(self.info)
        layout.addWidget(self.progress)
        layout.addWidget(self.error)
        layout.addLayout(ranges)
        layout.addLayout(buttons)

    def _range_box(self, slot: str, part: str) -> QComboBox:
        box = named(QComboBox(), f"{part}Range{slot}")
        # as narrow as a range: the two boxes share one row of the side dock
        box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        box.setMinimumContentsLength(6)
        box.addItem("auto", None)
        for text, value in RANGE_CHOICES.items():
            box.addItem(f"[{text.replace(':', ', ')}]", value)
        box.setEnabled(False)
        box.setToolTip(
            f"Values the {'encoder takes' if part == 'input' else 'decoder makes'}; auto: "
            "read from the decoder's last activation (sigmoid [0, 1], tanh [-1, 1]), else [0, 1]"
        )
        box.activated.connect(self._ranges_picked)
        return box

    def _ranges_picked(self) -> None:
        self.rangesChanged.emit(
            self.ranges["input"].currentData(), self.ranges["output"].currentData()
        )

    def show_ranges(self, model: Any, chosen: dict | None) -> None:
        """Show the model's ranges; ``chosen`` holds the user's overrides (else "auto")."""
        from explorer.core.ranges import format_range

        for part, box in self.ranges.items():
            value = getattr(model, f"{part}_range") if model is not None else None
            override = (chosen or {}).get(f"{part}_range")
            detected = value if value and not override else None  # the range "auto" gives
            box.setItemText(0, f"auto {format_range(detected)}" if detected else "auto")
            box.setCurrentIndex(_index_of(box, override))
            box.setEnabled(model is not None)
            note = model.range_notes.get(part, "") if model is not None else ""
            box.setToolTip(f"{format_range(value)}: {note}" if value else "")

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def set_loading(self, fraction: float, message: str) -> None:
        self.progress.show()
        self.progress.setValue(int(fraction * 1000))
        self.progress.setFormat(message or "%p%")

    def set_text(self, html: str) -> None:
        self.progress.hide()
        self.info.setText(html)


def _index_of(box: QComboBox, value) -> int:
    if not value:
        return 0
    wanted = tuple(float(v) for v in value)
    found = [i for i in range(box.count()) if box.itemData(i) and tuple(box.itemData(i)) == wanted]
    return found[0] if found else 0


class ModelsPanel(QWidget):
    """Both slots and a Swap button."""

    swapRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.slots = {"A": ModelSlotPanel("A"), "B": ModelSlotPanel("B")}
        swap = named(QPushButton("⇅ Swap A and B"), "swapButton")
        swap.setToolTip("Swap the models of slots A and B (Ctrl+W)")
        swap.setFlat(True)
        swap.clicked.connect(self.swapRequested)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(2)
        layout.addWidget(self.slots["A"])
        layout.addWidget(swap)
        layout.addWidget(self.slots["B"])
        layout.addStretch(1)
