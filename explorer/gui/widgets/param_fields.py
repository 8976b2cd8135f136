"""Fields of the window generated from parameter declarations (:class:`Param`).

The sampler panel (one page per sampler) and the map panel (one page per projection method)
build their fields here, so a parameter declared once in the core gets the same field, tool
tip and checks wherever it appears: a combo box for a choice, else a line edit read and
checked by the declaration itself (:meth:`Param.parse`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLineEdit,
    QSizePolicy,
    QStackedWidget,
    QWidget,
)

from explorer.core.latent.params import Param
from explorer.gui.widgets.object_names import named

INVALID_STYLE = "QLineEdit { background: #ffd6d6; border: 1px solid #d00; }"

Field = QComboBox | QLineEdit
"""A generated field: a combo box for a choice, else a line edit."""


def field_page(
    params: Iterable[Param],
    object_name: Callable[[Param], str],
    on_choice: Any,
    on_text: Callable[[Param], None],
) -> tuple[QWidget, dict[str, Field]]:
    """A page with one labelled field per parameter, and the fields by key.

    ``on_choice`` (a signal or slot taking no argument) is connected to every combo box's
    change, ``on_text(param)`` runs when a line edit is edited (the caller checks it with :func:`check_field`)."""
    page, form, fields = QWidget(), QFormLayout(), {}
    form.setContentsMargins(0, 0, 0, 0)
    for p in params:
        widget: Field
        if p.form == "choice":
            widget = named(QComboBox(), object_name(p))
            widget.addItems(p.choices)
            widget.setCurrentText(p.default)
            widget.currentIndexChanged.connect(on_choice)
        else:
            widget = named(QLineEdit(p.text_default), object_name(p))
            if not p.text_default:  # a value to give (no default): say what it is, in grey
                widget.setPlaceholderText(p.help or "required")
            widget.textChanged.connect(lambda _t, q=p: on_text(q))
        widget.setToolTip(p.help)
        form.addRow(p.label or p.key, widget)
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
    """What a generated field holds, as text."""
    return widget.currentText() if isinstance(widget, QComboBox) else widget.text()


def set_field_text(widget: Field, text: str) -> None:
    if isinstance(widget, QComboBox):
        widget.setCurrentText(str(text))
    else:
        widget.setText(str(text))


def mark(widget: QWidget, error: str | None) -> None:
    """Turn a line edit red with ``error`` as its reason, or back to normal."""
    widget.setStyleSheet(INVALID_STYLE if error else "")
