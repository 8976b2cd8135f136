"""PySide6 6.12.0 drops a reference to ``None`` on every Qt call that returns nothing, so a
long session aborts with "none_dealloc". Guard against any Qt binding that does that."""

import sys

from PySide6.QtCore import QObject, QTimer


def test_void_qt_calls_keep_none_refcount(qapp):
    obj, timer = QObject(), QTimer()
    before = sys.getrefcount(None)
    for _ in range(500):
        obj.setObjectName("x")
        timer.start(1000)
        timer.stop()
    qapp.processEvents()
    assert sys.getrefcount(None) - before > -50
