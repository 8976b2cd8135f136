"""The one widget factory of declared parameters (:class:`~explorer.core.params.Param`).

The sampler panel (one page per sampler), the map panel (one page per projection method) and
the training form build their fields here, so a parameter declared once in the core gets the
same widget, tool tip and reading wherever it appears (:func:`make_widget`): a combo box for
a choice (editable for a data set), a check box for a switch, a spin box for a number with a
``spin`` range, else a text field that the declaration reads and checks itself
(:meth:`Param.parse`). :func:`read_value` and :func:`write_value` move values in and out of
any of them; :func:`field_text` and :func:`set_field_text` their text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import SignalInstance
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLineEdit,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QWidget,
)

from explorer.core.params import Param
from explorer.gui.widgets.object_names import named

INVALID_STYLE = "QLineEdit { background: #ffd6d6; border: 1px solid #d00; }"

Field = QComboBox | QCheckBox | QSpinBox | QDoubleSpinBox | QLineEdit
"""A parameter's widget: a combo box, a check box, a spin box or a text field."""


def make_widget(p: Param, name: str | None = None) -> Field:
    """The widget of parameter ``p`` (objectName ``name``, else the declaration's ``widget``),
    showing its default."""
    w: Field
    if p.form in ("choice", "dataset"):
        w = QComboBox(editable=p.kind == "dataset")
        for value, text in p.items:
            w.addItem(text, value)
    elif p.kind == "bool":
        w = QCheckBox(p.label)
    elif p.kind == "int" and p.spin:
        w = QSpinBox()
        w.setRange(*p.spin)
        w.setSingleStep(int(p.step))
        w.setSpecialValueText(p.special)
    elif p.kind in ("float", "positive") and p.spin:
        w = QDoubleSpinBox()
        w.setDecimals(p.decimals)
        w.setRange(*p.spin)
        w.setSingleStep(p.step)
        w.setSpecialValueText(p.special)
    else:  # a value to give (no default): say what it is, in grey
        hint = p.placeholder or ("" if p.text_default else p.help or "required")
        w = QLineEdit(p.text_default, placeholderText=hint)
    named(w, name or p.widget)
    w.setToolTip(p.help)
    if not isinstance(w, QLineEdit):
        write_value(p, w, p.default)
    return w


def read_value(p: Param, w: Field) -> Any:
    """The value in ``p``'s widget, read but not checked (an empty text field or a spin box
    at its "none" minimum gives ``None``, the default; so does an unchecked box of an option a
    resume keeps: a form can switch those on, the command line also off); a text field that
    does not read raises InvalidParameter."""
    if isinstance(w, QComboBox):
        return w.currentText().strip() if w.isEditable() else w.currentData()
    if isinstance(w, QCheckBox):
        return True if w.isChecked() else (None if p.keep else False)
    if isinstance(w, (QSpinBox, QDoubleSpinBox)):
        value = w.value()
        return None if p.none_at_minimum and value == w.minimum() else value
    text = w.text().strip()
    return p.read(text) if text.strip(",; ") else None


def write_value(p: Param, w: Field, value: Any) -> None:
    """Show ``value`` in ``p``'s widget (``None``: empty, or the spin box's minimum)."""
    if isinstance(w, QComboBox):
        if w.isEditable():
            w.setCurrentText(p.format(value))
        elif (index := w.findData(value)) >= 0:
            w.setCurrentIndex(index)
    elif isinstance(w, QCheckBox):
        w.setChecked(bool(value))
    elif isinstance(w, QSpinBox):
        w.setValue(w.minimum() if value is None else int(value))
    elif isinstance(w, QDoubleSpinBox):
        w.setValue(w.minimum() if value is None else float(value))
    else:
        w.setText(p.format(value))


def changed_signal(w: Field) -> SignalInstance:
    """The signal a widget emits when the user changes its value."""
    if isinstance(w, QComboBox):
        return w.currentTextChanged if w.isEditable() else w.currentIndexChanged
    if isinstance(w, QCheckBox):
        return w.toggled
    if isinstance(w, (QSpinBox, QDoubleSpinBox)):
        return w.valueChanged
    return w.textChanged


def field_page(
    params: Iterable[Param],
    object_name: Callable[[Param], str],
    on_choice: Any,
    on_text: Callable[[Param], None],
) -> tuple[QWidget, dict[str, Field]]:
    """A page with one labelled widget per parameter, and the widgets by key.

    ``on_choice`` (a signal or slot taking no argument) is connected to every other widget's
    change, ``on_text(param)`` runs when a text field is edited (the caller checks it with
    the declaration and :func:`mark`s it)."""
    page, form, fields = QWidget(), QFormLayout(), {}
    form.setContentsMargins(0, 0, 0, 0)
    for p in params:
        widget = make_widget(p, object_name(p))
        if isinstance(widget, QLineEdit):
            widget.textChanged.connect(lambda _t, q=p: on_text(q))
        else:
            changed_signal(widget).connect(on_choice)
        form.addRow("" if p.kind == "bool" else p.label or p.key, widget)
        fields[p.key] = widget
    page.setLayout(form)
    return page, fields


def show_page(stack: QStackedWidget, index: int) -> None:
    """Show page ``index`` of ``stack`` at its own height: a stacked widget is otherwise as
    tall as its tallest page (a sampler with eight fields), which leaves a blank under a
    short one and takes room the panels around it need on a small screen."""
    pages = [stack.widget(i) for i in range(stack.count())]
    for i, page in enumerate(pages):
        policy = QSizePolicy.Policy.Preferred if i == index else QSizePolicy.Policy.Ignored
        if page is not None:
            page.setSizePolicy(policy, policy)
    stack.setCurrentIndex(index)
    stack.adjustSize()


def field_text(widget: Field) -> str:
    """What a widget holds, as text (a check box: ``true`` or ``false``)."""
    if isinstance(widget, QComboBox):
        return widget.currentText()
    if isinstance(widget, QCheckBox):
        return str(widget.isChecked()).lower()
    if isinstance(widget, (QSpinBox, QDoubleSpinBox)):
        return str(widget.value())
    return widget.text()


def set_field_text(widget: Field, text: str) -> None:
    if isinstance(widget, QComboBox):
        widget.setCurrentText(str(text))
    elif isinstance(widget, QCheckBox):
        widget.setChecked(str(text).strip().lower() in ("1", "true", "yes", "on"))
    elif isinstance(widget, QSpinBox):
        widget.setValue(int(text))
    elif isinstance(widget, QDoubleSpinBox):
        widget.setValue(float(text))
    else:
        widget.setText(str(text))


def mark(widget: QWidget, error: str | None) -> None:
    """Turn a line edit red with ``error`` as its reason, or back to normal."""
    widget.setStyleSheet(INVALID_STYLE if error else "")
