"""The map's options: the slot, the method and its fields (from the core's declarations,
:data:`explorer.core.stats.maps.MAP_METHODS`, read as the ``map`` command reads them), the
points and seed, the colouring, contours and what a drag does."""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QWidget,
)

from explorer.core.errors import InvalidParameter
from explorer.core.params import Param
from explorer.core.stats.maps import MAP_METHODS, SHARED_PARAMS
from explorer.gui.map.map_run import COLOURINGS
from explorer.gui.widgets.object_names import named
from explorer.gui.widgets.param_fields import Field, field_page, field_text, mark, show_page

DRAG_MODES = {"pan": "drag pans", "lasso": "drag: lasso", "rect": "drag: rectangle"}


def _field_name(method: str, p: Param) -> str:
    """The objectName of a field of ``method``'s page: declared (``mapPerplexity``), else
    the method's name and the key in title case."""
    return p.widget or method + p.key.title().replace("_", "")


class MapOptions(QWidget):
    """The options form of the map; ``changed`` on every edit of a method's field."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.slot = named(QComboBox(), "mapSlot")
        self.slot.addItems(["A", "B"])
        self.method = named(QComboBox(), "mapMethod")
        self.stack = QStackedWidget()
        self.fields: dict[str, dict[str, Field]] = {}
        for m in MAP_METHODS.values():
            self.method.addItem(m.label, m.name)
            page, self.fields[m.name] = field_page(
                m.params, partial(_field_name, m.name), self._edited, lambda p: self._edited(),
            )  # fmt: skip
            self.stack.addWidget(page)
        self.method.currentIndexChanged.connect(self._method_changed)
        self.method.currentIndexChanged.connect(self._edited)
        pca = [p for p in SHARED_PARAMS if p.name == "pca_dims"]  # points, seed: spin boxes
        self.shared_page, self.shared = field_page(
            pca, lambda p: p.widget, self._edited, lambda p: self._edited()
        )
        self.points = named(QSpinBox(minimum=2, maximum=2_000_000, value=2000), "mapPoints")
        self.points.setSingleStep(1000)
        self.points.setToolTip("points mapped: a seeded sample, stratified by label")
        self.seed = named(QSpinBox(minimum=0, maximum=2**31 - 1, value=0), "mapSeed")
        self.colour = named(QComboBox(), "mapColour")
        self.colour.addItems(COLOURINGS)
        self.colour.setToolTip("colour the points by label, radius ||z|| or one component")
        self.component = named(QSpinBox(minimum=0, maximum=4095), "mapComponent")
        self.component.setToolTip("the component that colours the points")
        self.contours = named(QCheckBox("density contours"), "mapContours")
        self.mode = named(QComboBox(), "mapDragMode")
        for name, text in DRAG_MODES.items():
            self.mode.addItem(text, name)
        self.mode.setToolTip("what a drag does (Shift+drag: lasso, Ctrl+drag: rectangle)")
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        for label, widget in (("slot", self.slot), ("method", self.method)):
            form.addRow(label, widget)
        form.addRow(self.stack)
        form.addRow(self.shared_page)
        sample = QHBoxLayout()
        sample.addWidget(self.points, 1)
        sample.addWidget(QLabel("seed"))
        sample.addWidget(self.seed, 1)
        form.addRow("points", sample)
        colour = QHBoxLayout()
        colour.addWidget(self.colour, 1)
        colour.addWidget(self.component)
        form.addRow("colour by", colour)
        form.addRow(self.contours)
        form.addRow("mouse", self.mode)
        self._method_changed(self.method.currentIndex())

    def _edited(self, *_: Any) -> None:
        self.changed.emit()

    def method_name(self) -> str:
        return self.method.currentData()

    def options(self) -> dict[str, Any]:
        """The current method's options and the PCA dimensions as their declarations read
        them (InvalidParameter)."""
        method = MAP_METHODS[self.method_name()]
        fields = {**self.fields[method.name], **self.shared}
        return {
            key: p.parse(field_text(fields[key]), what=p.label or key)
            if p.form != "choice"
            else field_text(fields[key])
            for p in (*method.params, *(q for q in SHARED_PARAMS if q.key in self.shared))
            for key in (p.key,)
        }

    def check(self) -> list[str]:
        """Mark unreadable fields; the errors of the current method's (empty: it can run)."""
        errors = []
        pages = [(m.name, m.params, self.fields[m.name]) for m in MAP_METHODS.values()]
        shared = tuple(q for q in SHARED_PARAMS if q.key in self.shared)
        for name, params, fields in [*pages, (self.method_name(), shared, self.shared)]:
            for p in params:
                widget = fields[p.key]
                if p.form == "choice":
                    continue
                try:
                    p.parse(field_text(widget), what=p.label or p.key)
                except InvalidParameter as exc:
                    mark(widget, str(exc))
                    if name == self.method_name():
                        errors.append(str(exc))
                else:
                    mark(widget, None)
        self.component.setEnabled(self.colour.currentText() == "component")
        return errors

    def _method_changed(self, index: int) -> None:
        """Show the method's page; hidden pages take no room (PCA has no fields)."""
        show_page(self.stack, index)
        for i in range(self.stack.count()):
            policy = QSizePolicy.Policy.Preferred if i == index else QSizePolicy.Policy.Ignored
            page = self.stack.widget(i)
            assert page is not None, "i < count()"
            page.setSizePolicy(policy, policy)
        self.stack.adjustSize()
