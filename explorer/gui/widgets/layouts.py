"""Small layout helpers the panels share."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QWidget


def hbox(*widgets: QWidget, stretch: int | None = 0) -> QHBoxLayout:
    """Widgets side by side, the one at index ``stretch`` taking the spare width (``None``:
    none of them; -1: the last)."""
    row = QHBoxLayout()
    wide = None if stretch is None else range(len(widgets))[stretch]
    for i, w in enumerate(widgets):
        row.addWidget(w, 1 if i == wide else 0)
    return row
