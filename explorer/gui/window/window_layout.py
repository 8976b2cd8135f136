"""Where the window's parts go, sized to the screen it opens on.

The stage (:mod:`explorer.gui.window.stage`) takes the centre: the view at work gets the room. The
model slots and the sampler are docks at the left, one above the other, always reachable; a
dock scrolls when it is taller than the room it gets. The window never opens larger than the
screen's available area, also when the settings saved a larger geometry on another screen.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow, QScrollArea, QWidget

from explorer.gui.widgets.object_names import named
from explorer.gui.widgets.scrolling import scroll_area

PREFERRED = (1760, 1040)  # the window's size where the screen has room for it
TITLE_BAR = 40  # left for the window manager's frame when the screen is smaller
SIDE_PX = (270, 330)  # the side docks' width: at least, and at most (a sixth of the width)
LEFT = Qt.DockWidgetArea.LeftDockWidgetArea
STATE_VERSION = 2  # of saveState: 1 had the panels as docks around the grids


def available(window: QWidget) -> QRect:
    """The available area (without task bars) of the screen the window is on."""
    screen = window.screen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, *PREFERRED)


def add_docks(window: QMainWindow, widgets: dict[str, QWidget]) -> dict[str, QDockWidget]:
    """One ``dock<Title>`` per widget, at the left, one below the other."""
    docks: dict[str, QDockWidget] = {}
    for title, widget in widgets.items():
        dock = named(QDockWidget(title, window), f"dock{title}")
        dock.setWidget(_scrolling(widget, f"{title[0].lower()}{title[1:]}Scroll"))
        dock.setAllowedAreas(
            Qt.DockWidgetArea.LeftDockWidgetArea | Qt.DockWidgetArea.RightDockWidgetArea
        )
        window.addDockWidget(LEFT, dock)
        docks[title] = dock
    return docks


def size_to_screen(window: QMainWindow, docks: dict[str, QDockWidget]) -> None:
    """The preferred size, or the screen's available area when that is smaller; the side
    docks take about a sixth of the width, the rest goes to the stage."""
    area = available(window)
    width = min(PREFERRED[0], area.width())
    height = min(PREFERRED[1], area.height() - TITLE_BAR)
    window.resize(width, height)
    side = min(max(SIDE_PX[0], width // 6), SIDE_PX[1])
    window.resizeDocks(list(docks.values()), [side] * len(docks), Qt.Orientation.Horizontal)
    # the last dock (the sampler) as tall as it needs, the first (the models) the rest
    *first, last = docks.values()
    inner = last.widget()
    need = (inner.sizeHint().height() if inner is not None else 300) + 30  # + its title bar
    rest = max(200, height - need - 60)
    window.resizeDocks([*first, last], [rest, need], Qt.Orientation.Vertical)


def _scrolling(widget: QWidget, name: str) -> QWidget:
    """``widget`` in a scroll area (unless it is one): a panel taller than a small screen
    scrolls instead of making the window taller than the screen."""
    if isinstance(widget, QScrollArea):
        return widget
    return scroll_area(widget, name, sideways=True)


def clamp_to_screen(window: QWidget) -> None:
    """Shrink and move the window into the screen's available area (e.g. after restoring a
    geometry saved on a larger screen)."""
    area = available(window)
    frame = window.frameGeometry()
    extra_w = frame.width() - window.width()  # the window manager's frame
    extra_h = frame.height() - window.height()
    width = min(window.width(), area.width() - extra_w)
    height = min(window.height(), area.height() - extra_h)
    if (width, height) != (window.width(), window.height()):
        window.resize(width, height)
    frame = window.frameGeometry()
    x = min(max(frame.x(), area.x()), area.right() + 1 - frame.width())
    y = min(max(frame.y(), area.y()), area.bottom() + 1 - frame.height())
    if (x, y) != (frame.x(), frame.y()):
        window.move(x, y)
