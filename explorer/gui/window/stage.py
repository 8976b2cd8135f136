"""The window's stage: the central area shows one view at a time, the view at work.

A row of labelled views (``viewBar``, a tab bar whose titles never elide) above a stack of
pages: Samples (the decoded grids), Map, Histograms, Reconstructions, Clusters, Diagnostics,
Quality, Training. Each page (``view<Title>``) holds a panel with its controls beside its
plot; a page taller than the stage scrolls vertically, never sideways. The model slots and
the sampler stay at the side of the window (docks), whichever view is on the stage.
``Ctrl+1`` ... ``Ctrl+8`` switch views; the script API is ``window.show_view(name)`` with
the view's lower-case name (``"map"``, ``"samples"``, ...).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QScrollArea, QTabWidget, QVBoxLayout, QWidget

from explorer.core.errors import InvalidParameter
from explorer.gui.widgets.object_names import named
from explorer.gui.widgets.scrolling import scroll_area


class Stage(QTabWidget):
    """One view at a time; ``viewChanged(name)`` when another is shown."""

    viewChanged = Signal(str)  # noqa: N815 - Qt signal naming

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stage")
        self.setDocumentMode(True)
        bar = self.tabBar()
        bar.setObjectName("viewBar")
        bar.setElideMode(Qt.TextElideMode.ElideNone)  # a title is read whole or not at all
        bar.setUsesScrollButtons(False)
        bar.setExpanding(False)
        self.pages: dict[str, QWidget] = {}  # lower-case name -> page
        self.currentChanged.connect(lambda _: self.viewChanged.emit(self.current_view()))

    def add_view(self, title: str, widget: QWidget, scroll: bool = True) -> QWidget:
        """Add ``widget`` as the view ``title`` (in a vertical-only scroll area unless
        ``scroll`` is False: a view that fills the stage itself, such as the map)."""
        page = _scrolling(widget) if scroll else _holding(widget)
        named(page, f"view{title}")
        self.addTab(page, title)
        name = title.lower()
        self.pages[name] = page
        n = len(self.pages)
        if n <= 9:
            shortcut = QShortcut(QKeySequence(f"Ctrl+{n}"), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(lambda: self.show_view(name))
        self.setTabToolTip(self.count() - 1, f"{title} (Ctrl+{n})" if n <= 9 else title)
        return page

    def views(self) -> list[str]:
        return list(self.pages)

    def show_view(self, name: str) -> QWidget:
        """Put the view ``name`` (lower case, e.g. ``"map"``) on the stage; returns its page."""
        key = name.lower()
        if key not in self.pages:
            raise InvalidParameter(f"no view '{name}': one of {', '.join(self.pages)}")
        page = self.pages[key]
        self.setCurrentWidget(page)
        return page

    def current_view(self) -> str:
        page = self.currentWidget()
        return next((name for name, p in self.pages.items() if p is page), "")


def _holding(widget: QWidget) -> QWidget:
    """A page that holds ``widget`` edge to edge (the widget keeps its own objectName)."""
    page = QWidget()
    layout = QVBoxLayout(page)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(widget)
    return page


def _scrolling(widget: QWidget) -> QScrollArea:
    """``widget`` in a scroll area that scrolls vertically only: the page is as wide as the
    stage (its panel lays itself out for that width), and taller content scrolls."""
    return scroll_area(widget)
