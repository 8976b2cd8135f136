"""Object names of widgets: the script API (tests and tools find widgets by them).

``named(QPushButton("Run"), "mapRun")`` rather than ``QPushButton("Run", objectName="mapRun")``:
both work, but PySide6's type stubs list only a class's own properties as keyword arguments
of its constructor, so inherited ones (``objectName``, ``enabled``, ``toolTip``...) fail type
checking. The other properties are set with their setters.
"""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QObject

QObjectT = TypeVar("QObjectT", bound=QObject)


def named(obj: QObjectT, name: str) -> QObjectT:
    """``obj`` with its ``objectName`` set to ``name``."""
    obj.setObjectName(name)
    return obj
