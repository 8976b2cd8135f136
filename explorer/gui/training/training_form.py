"""The training form: one widget per training option, made from the option's declaration
(:data:`explorer.core.training.train_options.OPTIONS`: kind, objectName, label, range, tooltip)
by the one widget factory of declared parameters
(:func:`explorer.gui.widgets.param_fields.make_widget`), plus the output folder.

Values go in and out as ``latent-explorer train`` options through
:func:`~explorer.gui.widgets.param_fields.read_value` and
:func:`~explorer.gui.widgets.param_fields.write_value`, the same for every option; nothing is
mapped field by field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from explorer.core.model.config import PRESETS
from explorer.core.params import Param
from explorer.core.training.train_options import OPTIONS
from explorer.gui.widgets import dialog_folders
from explorer.gui.widgets.layouts import hbox
from explorer.gui.widgets.object_names import named
from explorer.gui.widgets.param_fields import changed_signal, make_widget, read_value, write_value

SECTIONS = {"model": "Model", "data": "Data and training"}  # the form's groups, in order
CLUSTER_FIELDS = ("cluster", "worker_index")  # enabled for the multi-worker strategy

FieldT = TypeVar("FieldT", bound=QWidget)


class TrainingForm(QWidget):
    """The option widgets in their groups, and the output folder.

    ``widgets`` maps each option's name to its widget. Choosing a preset fills the
    architecture fields with its values; an AE disables the VAE-only fields. ``edited`` is
    emitted on every change.
    """

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.widgets = {o.name: make_widget(o) for o in OPTIONS}
        self.out = named(QLineEdit(placeholderText="folder of the new bundle"), "trainOut")
        self.browse_out = named(QPushButton("Browse…"), "trainBrowseOut")
        self.overwrite = named(QCheckBox("overwrite a bundle there"), "trainOverwrite")
        self.browse_folder = named(QPushButton("Folder…"), "trainBrowseFolder")
        self.browse_file = named(QPushButton("Arrays…"), "trainBrowseArrays")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        forms = {}
        for section, title in SECTIONS.items():
            box = QGroupBox(title)
            forms[section] = QFormLayout(box)
            layout.addWidget(box)
        for o in OPTIONS:
            self._add_row(forms[o.section], o, self.widgets[o.name])
        forms["data"].addRow("output", hbox(self.out, self.browse_out))
        forms["data"].addRow("", self.overwrite)
        self._connect()
        self.fill_preset(self._combo("preset").currentData())
        self._on_kind()
        self._on_strategy()

    def _add_row(self, form: QFormLayout, o: Param, w: QWidget) -> None:
        if o.kind == "dataset":
            form.addRow(o.label, hbox(w, self.browse_folder, self.browse_file))
        else:
            form.addRow("" if o.kind == "bool" else o.label, w)

    def _connect(self) -> None:
        for w in self.widgets.values():
            changed_signal(w).connect(self.edited)
        self.out.textChanged.connect(self.edited)
        self.overwrite.toggled.connect(self.edited)
        self._combo("preset").currentIndexChanged.connect(
            lambda: self.fill_preset(self._combo("preset").currentData())
        )
        self._combo("kind").currentIndexChanged.connect(self._on_kind)
        self._combo("strategy").currentIndexChanged.connect(self._on_strategy)
        self.browse_folder.clicked.connect(self._browse_folder)
        self.browse_file.clicked.connect(self._browse_arrays)
        self.browse_out.clicked.connect(lambda: self.browse_out_folder())

    def field(self, name: str, kind: type[FieldT]) -> FieldT:
        """The widget of option ``name``, typed: a ``kind`` (see :func:`make_widget`)."""
        w = self.widgets[name]
        if not isinstance(w, kind):
            raise TypeError(f"the widget of option {name} is a {type(w).__name__}")
        return w

    def _combo(self, name: str) -> QComboBox:
        return self.field(name, QComboBox)

    # ------------------------------------------------------------------ values
    def options(self, resume: bool = False) -> dict[str, Any]:
        """The fields as ``latent-explorer train`` options (InvalidParameter for text that
        is not a list of numbers or a range). ``resume``: only what applies to a resume."""
        out = self.out.text().strip()
        if resume:
            return {"out": out, "resume": True, **self._values(o for o in OPTIONS if o.on_resume)}
        return {"out": out, **self._values(OPTIONS), "overwrite": self.overwrite.isChecked()}

    def _values(self, options) -> dict[str, Any]:
        return {o.name: read_value(o, self.widgets[o.name]) for o in options}

    def set_options(self, **options: Any) -> None:
        """Show ``latent-explorer train`` options (unknown keys ignored; the preset first, so
        that architecture options not given show the preset's values)."""
        by_name = {o.name: o for o in OPTIONS}
        for name in sorted(options, key=lambda n: n != "preset"):
            o, value = by_name.get(name), options[name]
            if o is not None and not (value is None and o.architecture):
                write_value(o, self.widgets[name], value)
        if "out" in options:
            self.out.setText(str(options["out"]))
        if "overwrite" in options:
            self.overwrite.setChecked(bool(options["overwrite"]))

    def fill_preset(self, name: str) -> None:
        """Show the architecture of preset ``name`` (a per-layer list whose values are all
        the same as one value, which fits any number of layers: kernel sizes ``3``)."""
        arch = PRESETS.get(name)
        if arch is not None:
            for o in OPTIONS:
                if o.architecture:
                    value = getattr(arch, o.name)
                    if o.per_layer and len(set(value)) == 1:
                        value = value[:1]
                    write_value(o, self.widgets[o.name], value)
        self.edited.emit()

    def _on_kind(self, *_args: Any) -> None:
        vae = self._combo("kind").currentData() == "vae"
        for o in OPTIONS:
            if o.vae_only:
                self.widgets[o.name].setEnabled(vae)

    def multi_worker(self) -> bool:
        return self._combo("strategy").currentData() == "multi-worker"

    def _on_strategy(self, *_args: Any) -> None:
        for name in CLUSTER_FIELDS:  # "this machine is worker I of the cluster given"
            self.widgets[name].setEnabled(self.multi_worker())

    # ------------------------------------------------------------------ dialogs
    def _browse_folder(self) -> None:
        path = dialog_folders.chosen(
            QFileDialog.getExistingDirectory(self, "Image folder", dialog_folders.start())
        )
        if path:
            self._combo("dataset").setCurrentText(path)

    def _browse_arrays(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Images array file", dialog_folders.start(), "Arrays (*.npz *.npy)"
        )
        dialog_folders.chosen(path)
        if path:
            self._combo("dataset").setCurrentText(path)

    def browse_out_folder(self, existing: bool = False) -> None:
        """Ask for the output folder (``existing``: a bundle to resume)."""
        start = str(Path(self.out.text()).parent) if self.out.text() else dialog_folders.start()
        title = "Bundle to resume" if existing else "Output bundle folder"
        path = dialog_folders.chosen(QFileDialog.getExistingDirectory(self, title, start))
        if path:
            self.out.setText(path)
