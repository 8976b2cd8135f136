"""A widget in a scroll area, the one way the window's panels scroll."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QWidget

from explorer.gui.widgets.object_names import named


def scroll_area(widget: QWidget, name: str = "", sideways: bool = False) -> QScrollArea:
    """``widget`` in a frameless scroll area named ``name`` that gives it its width and
    scrolls what is taller; ``sideways``: also what is wider (else never sideways)."""
    area = named(QScrollArea(), name) if name else QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    if not sideways:
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return area
