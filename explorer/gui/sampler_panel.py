"""Sampler panel: method, its own parameters (validated as you type), grid size, seed.

An invalid value turns its field red, shows the reason below the fields and disables
Resample; nothing is sampled until every visible field is valid.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

METHODS = [
    ("Normal", "normal"),
    ("Uniform", "uniform"),
    ("PCA axis", "pca"),
    ("Fitted Gaussian", "fitted"),
    ("Gaussian mixture", "gmm"),
    ("Interpolate", "interpolate"),
    ("2-D grid", "grid2d"),
]
INVALID_STYLE = "QLineEdit { background: #ffd6d6; border: 1px solid #d00; }"


@dataclass
class Param:
    key: str
    label: str
    kind: str  # float, positive, int, index, axis, range, or choice:a|b
    default: Any
    name: str  # objectName
    tip: str = ""


PARAMS: dict[str, list[Param]] = {
    "normal": [
        Param("mean", "mean", "float", 0.0, "normalMean", "centre of every component"),
        Param("std", "std", "positive", 1.0, "normalStd", "spread of every component"),
    ],
    "uniform": [Param("limit", "limit b", "positive", 2.0, "uniformLimit", "z_j in [-b, b]")],
    "pca": [
        Param("axis", "axis", "axis", 0, "pcaAxis", "principal axis (0 = largest variance)"),
        Param("span", "span (std)", "positive", 3.0, "pcaSpan", "from -span to +span std"),
    ],
    "fitted": [Param("covariance", "covariance", "choice:diag|full", "diag", "fittedCov")],
    "gmm": [
        Param("components", "components", "int", 5, "gmmComponents"),
        Param("covariance", "covariance", "choice:diag|full", "diag", "gmmCov"),
    ],
    "interpolate": [
        Param("start_index", "from image #", "index", 0, "interpStart", "a data set image"),
        Param("end_index", "to image #", "index", 1, "interpEnd", "a data set image"),
        Param("method", "path", "choice:linear|slerp", "linear", "interpMethod"),
    ],
    "grid2d": [
        Param("x_range", "x range", "range", "-2:2", "gridXRange", "low:high (z_dim 2 only)"),
        Param("y_range", "y range", "range", "-2:2", "gridYRange", "low:high (z_dim 2 only)"),
    ],
}


def parse(kind: str, text: str, limits: dict[str, int]) -> Any:
    """The value of ``text`` for a field of ``kind``; raises ValueError with a message."""
    text = text.strip()
    if kind in ("float", "positive"):
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"'{text}' is not a number") from None
        if not math.isfinite(value):
            raise ValueError("must be finite")
        if kind == "positive" and value <= 0:
            raise ValueError(f"must be greater than 0, got {text}")
        return value
    if kind in ("int", "index", "axis"):
        try:
            value = int(text)
        except ValueError:
            raise ValueError(f"'{text}' is not a whole number") from None
        low = 1 if kind == "int" else 0
        high = {"index": limits.get("images", 1) - 1, "axis": limits.get("z_dim", 1) - 1}.get(kind)
        if value < low or (high is not None and value > high):
            top = "" if high is None else f" and {high}"
            raise ValueError(f"must be {'between ' + str(low) + top if top else '>= 1'}")
        return value
    if kind == "range":
        parts = text.replace(",", ":").split(":")
        try:
            low, high = (float(p) for p in parts)
        except ValueError:
            raise ValueError("give low:high, e.g. -2:2") from None
        if not low < high:
            raise ValueError("low must be below high")
        return [low, high]
    return text


class SamplerPanel(QWidget):
    """Emits ``changed`` when valid parameters change and ``resampleRequested`` on Resample."""

    changed = Signal()
    resampleRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.limits = {"z_dim": 16, "images": 5000}
        self._errors: dict[str, str] = {}
        self.method = QComboBox(objectName="samplerMethod")
        self.stack = QStackedWidget()
        self.fields: dict[str, dict[str, QWidget]] = {}
        for label, name in METHODS:
            self.method.addItem(label, name)
            self.stack.addWidget(self._page(name))
        self.method.currentIndexChanged.connect(self._method_changed)
        self.rows = self._spin("gridRows", 1, 40, 8)
        self.cols = self._spin("gridCols", 1, 40, 8)
        self.seed = self._spin("samplerSeed", 0, 2**31 - 1, 0)
        self.same_z = QCheckBox("same z-points for A and B", objectName="sameZ", checked=True)
        self.same_z.toggled.connect(self.changed)
        self.error = QLabel(objectName="samplerError", wordWrap=True)
        self.error.setStyleSheet("color: #c00;")
        self.resample_button = QPushButton("Resample", objectName="resampleButton")
        self.resample_button.setToolTip("Draw new z-points and decode them (R)")
        self.resample_button.clicked.connect(self.resampleRequested)
        form = QFormLayout()
        form.addRow("method", self.method)
        form.addRow(self.stack)
        form.addRow("grid rows", self.rows)
        form.addRow("grid cols", self.cols)
        form.addRow("seed", self.seed)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.same_z)
        layout.addWidget(self.error)
        layout.addWidget(self.resample_button)
        layout.addStretch(1)

    def _spin(self, name: str, low: int, high: int, value: int) -> QSpinBox:
        spin = QSpinBox(objectName=name, minimum=low, maximum=high, value=value)
        spin.valueChanged.connect(self.changed)
        return spin

    def _page(self, method: str) -> QWidget:
        page, form, fields = QWidget(), QFormLayout(), {}
        form.setContentsMargins(0, 0, 0, 0)
        for p in PARAMS[method]:
            if p.kind.startswith("choice:"):
                widget = QComboBox(objectName=p.name)
                widget.addItems(p.kind[7:].split("|"))
                widget.currentIndexChanged.connect(self.changed)
            else:
                widget = QLineEdit(str(p.default), objectName=p.name)
                widget.textChanged.connect(lambda _t, m=method, q=p: self._edited(m, q))
            widget.setToolTip(p.tip)
            form.addRow(p.label, widget)
            fields[p.key] = widget
        page.setLayout(form)
        self.fields[method] = fields
        return page

    # ------------------------------------------------------------------ state
    def sampler(self) -> str:
        return self.method.currentData()

    def _method_changed(self) -> None:
        self.stack.setCurrentIndex(self.method.currentIndex())
        self._validate_all()
        self.changed.emit()

    def _edited(self, method: str, p: Param) -> None:
        self._check(method, p)
        self._show_errors()
        if method == self.sampler() and self.is_valid():
            self.changed.emit()

    def _check(self, method: str, p: Param) -> None:
        widget = self.fields[method][p.key]
        try:
            parse(p.kind, widget.text(), self.limits)
        except ValueError as exc:
            self._errors[p.name] = f"{p.label}: {exc}"
            widget.setStyleSheet(INVALID_STYLE)
        else:
            self._errors.pop(p.name, None)
            widget.setStyleSheet("")

    def _validate_all(self) -> None:
        for method, params in PARAMS.items():
            for p in params:
                if not p.kind.startswith("choice:"):
                    self._check(method, p)
        self._show_errors()

    def _visible_errors(self) -> list[str]:
        names = {p.name for p in PARAMS[self.sampler()]}
        return [text for name, text in self._errors.items() if name in names]

    def _show_errors(self) -> None:
        errors = self._visible_errors()
        self.error.setText("\n".join(errors))
        self.resample_button.setEnabled(not errors)

    def is_valid(self) -> bool:
        return not self._visible_errors()

    def show_error(self, text: str) -> None:
        """Show an error found later (e.g. by the sampler itself) below the fields."""
        self.error.setText(text)

    def params(self) -> dict[str, Any]:
        """Parsed parameters of the current method (call only when valid)."""
        out = {}
        for p in PARAMS[self.sampler()]:
            widget = self.fields[self.sampler()][p.key]
            if isinstance(widget, QComboBox):
                out[p.key] = widget.currentText()
            else:
                out[p.key] = parse(p.kind, widget.text(), self.limits)
        return out

    def set_limits(self, z_dim: int, images: int, same_possible: bool) -> None:
        """Bounds of PCA axes and image indices; same-z only when the z_dims match."""
        self.limits = {"z_dim": z_dim, "images": images}
        self.same_z.setEnabled(same_possible)
        if not same_possible:
            self.same_z.setChecked(False)
        self._validate_all()

    def same_points(self) -> bool:
        return self.same_z.isEnabled() and self.same_z.isChecked()

    def values(self) -> dict[str, Any]:
        """Everything the panel holds as plain values (for QSettings)."""
        fields = {
            m: {
                k: (w.currentText() if isinstance(w, QComboBox) else w.text()) for k, w in f.items()
            }
            for m, f in self.fields.items()
        }
        return {
            "method": self.sampler(),
            "fields": fields,
            "rows": self.rows.value(),
            "cols": self.cols.value(),
            "seed": self.seed.value(),
            "same_z": self.same_z.isChecked(),
        }

    def restore(self, values: dict[str, Any] | None) -> None:
        if not isinstance(values, dict):
            return
        for method, texts in (values.get("fields") or {}).items():
            for key, text in (texts or {}).items():
                widget = self.fields.get(method, {}).get(key)
                if isinstance(widget, QComboBox):
                    widget.setCurrentText(str(text))
                elif widget is not None:
                    widget.setText(str(text))
        self.rows.setValue(int(values.get("rows", 8)))
        self.cols.setValue(int(values.get("cols", 8)))
        self.seed.setValue(int(values.get("seed", 0)))
        self.same_z.setChecked(bool(values.get("same_z", True)))
        index = self.method.findData(values.get("method"))
        if index >= 0:
            self.method.setCurrentIndex(index)
        self._validate_all()
