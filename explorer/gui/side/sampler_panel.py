"""Sampler panel: method, its own parameters (validated as you type), grid size, seed.

The method menu and each method's page of fields are generated from the samplers' declarations
(:data:`explorer.core.latent.samplers.SAMPLERS`); every field is read and checked by its
parameter's declaration, as the command line's flags are. An invalid value turns its field
red, shows the reason below the fields and disables Resample; nothing is sampled until every
visible field is valid.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from explorer.core.errors import InvalidParameter
from explorer.core.latent.sampler_spec import SamplerSpec
from explorer.core.latent.samplers import SAMPLERS
from explorer.core.params import Limits, Param, to_json
from explorer.gui.widgets.object_names import named
from explorer.gui.widgets.param_fields import (
    Field,
    field_page,
    field_text,
    mark,
    set_field_text,
    show_page,
)


def object_name(spec: SamplerSpec, p: Param) -> str:
    """The field's objectName: declared, or ``samplerKey`` (``traverseSteps``)."""
    if p.widget:
        return p.widget
    return spec.name + "".join(w.capitalize() for w in p.key.split("_"))


class SamplerPanel(QWidget):
    """Emits ``changed`` when valid parameters change and ``resampleRequested`` on Resample."""

    changed = Signal()
    resampleRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.limits = Limits(z_dim=16, images=5000)
        self._errors: dict[str, str] = {}  # objectName -> reason
        self.method = named(QComboBox(), "samplerMethod")
        self.stack = QStackedWidget()
        self.fields: dict[str, dict[str, Field]] = {}
        for spec in SAMPLERS.values():
            self.method.addItem(spec.label, spec.name)
            self.stack.addWidget(self._page(spec))
        self.method.currentIndexChanged.connect(self._method_changed)
        self.rows = self._spin("gridRows", 1, 40, 8)
        self.cols = self._spin("gridCols", 1, 40, 8)
        self.seed = self._spin("samplerSeed", 0, 2**31 - 1, 0)
        self.same_z = named(QCheckBox("same z-points for A and B"), "sameZ")
        self.same_z.setChecked(True)
        self._same_possible = True  # one z_dim loaded (set_limits)
        self._same_wanted = True  # the user's choice, kept while the box does not apply
        self.same_z.toggled.connect(self._same_toggled)
        self.same_z.toggled.connect(self.changed)
        self.error = named(QLabel(wordWrap=True), "samplerError")
        self.error.setStyleSheet("color: #c00;")
        self.resample_button = named(QPushButton("Resample"), "resampleButton")
        self.resample_button.setToolTip(
            "Draw new z-points (the next seed) and decode them (R); an edit of the fields "
            "redraws with the seed shown"
        )
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
        show_page(self.stack, self.method.currentIndex())
        self._update_same_z()

    def _spin(self, name: str, low: int, high: int, value: int) -> QSpinBox:
        spin = named(QSpinBox(minimum=low, maximum=high, value=value), name)
        spin.valueChanged.connect(self.changed)
        return spin

    def _page(self, spec: SamplerSpec) -> QWidget:
        page, self.fields[spec.name] = field_page(
            spec.params,
            lambda p: object_name(spec, p),
            self.changed,
            partial(self._edited, spec.name),
        )
        return page

    # ------------------------------------------------------------------ state
    def advance_seed(self) -> int:
        """The next seed (after the largest, 0 again), set without emitting ``changed``."""
        seed = self.seed.value() + 1
        seed = self.seed.minimum() if seed > self.seed.maximum() else seed
        blocked = self.seed.blockSignals(True)
        self.seed.setValue(seed)
        self.seed.blockSignals(blocked)
        return seed

    def sampler(self) -> str:
        return self.method.currentData()

    def _method_changed(self) -> None:
        show_page(self.stack, self.method.currentIndex())
        self._update_same_z()
        own_layout = SAMPLERS[self.sampler()].layout is not None  # rows x cols from its params
        for spin in (self.rows, self.cols):
            spin.setEnabled(not own_layout)
            spin.setToolTip("set by the sampler's own parameters" if own_layout else "")
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
            p.parse(field_text(widget), self.limits, p.label or p.key)
        except InvalidParameter as exc:
            self._errors[widget.objectName()] = str(exc)
            mark(widget, str(exc))
        else:
            self._errors.pop(widget.objectName(), None)
            mark(widget, None)

    def _validate_all(self) -> None:
        for spec in SAMPLERS.values():
            for p in spec.params:
                if p.form != "choice":
                    self._check(spec.name, p)
        self._show_errors()

    def _visible_errors(self) -> list[str]:
        names = {w.objectName() for w in self.fields[self.sampler()].values()}
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
        for p in SAMPLERS[self.sampler()].params:
            widget = self.fields[self.sampler()][p.key]
            if isinstance(widget, QComboBox):
                out[p.key] = widget.currentText()
            else:
                out[p.key] = to_json(p.parse(widget.text(), self.limits, p.label or p.key))
        return out

    def set_limits(self, z_dim: int, images: int, same_possible: bool) -> None:
        """Bounds of PCA axes and image indices; same-z only when the z_dims match."""
        self.limits = Limits(z_dim=z_dim, images=images)
        self._same_possible = same_possible
        self._update_same_z()
        self._validate_all()

    def _update_same_z(self) -> None:
        """The "same z-points" box applies to data-free samplers of slots of one z_dim only;
        it says why when it does not (the user's choice is kept for later)."""
        data_free = SAMPLERS[self.sampler()].data_free
        self.same_z.setEnabled(self._same_possible and data_free)
        if not data_free:
            why = "this sampler derives each model's z-points from that model's own encodings"
        elif not self._same_possible:
            why = "the two models' z_dims differ: each gets its own z-points (same seed)"
        else:
            why = "A and B decode the very same z-points (data-free samplers only)"
        self.same_z.setToolTip(why)
        blocked = self.same_z.blockSignals(True)  # shown off while it does not apply
        self.same_z.setChecked(self._same_wanted and self.same_z.isEnabled())
        self.same_z.blockSignals(blocked)

    def _same_toggled(self, checked: bool) -> None:
        if self.same_z.isEnabled():
            self._same_wanted = checked

    def same_points(self) -> bool:
        return self.same_z.isEnabled() and self.same_z.isChecked()

    def values(self) -> dict[str, Any]:
        """Everything the panel holds as plain values (for QSettings)."""
        fields = {m: {k: field_text(w) for k, w in f.items()} for m, f in self.fields.items()}
        return {
            "method": self.sampler(),
            "fields": fields,
            "rows": self.rows.value(),
            "cols": self.cols.value(),
            "seed": self.seed.value(),
            "same_z": self._same_wanted,
        }

    def restore(self, values: dict[str, Any] | None) -> None:
        if not isinstance(values, dict):
            return
        for method, texts in (values.get("fields") or {}).items():
            for key, text in (texts or {}).items():
                widget = self.fields.get(method, {}).get(key)
                if widget is not None:
                    set_field_text(widget, text)
        self.rows.setValue(int(values.get("rows", 8)))
        self.cols.setValue(int(values.get("cols", 8)))
        self.seed.setValue(int(values.get("seed", 0)))
        self._same_wanted = bool(values.get("same_z", True))
        index = self.method.findData(values.get("method"))
        if index >= 0:
            self.method.setCurrentIndex(index)
        self._update_same_z()
        self._validate_all()
