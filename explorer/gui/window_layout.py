"""Where the window's panels go, sized to the screen it opens on.

The decoded grids are the product's main output, so the central area gets the largest share
at every size. On screens less than ``TALL`` pixels high the bottom panels (diagnostics,
reconstructions, t-SNE, k-means) join the right-hand tabs, so that the grids get the whole height: on
1366x768 both 8x8 grids of 28x28 images are then shown at 1x (242x242 px each) or larger.
Every panel scrolls when it is taller than the room it gets.
The window never opens larger than the screen's available area, also when the settings
saved a larger geometry on another screen.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QDockWidget, QFrame, QMainWindow, QScrollArea, QWidget

from explorer.gui.object_names import named

PREFERRED = (1760, 1040)  # the window's size where the screen has room for it
TITLE_BAR = 40  # left for the window manager's frame when the screen is smaller
TALL = 1200  # available height from which the bottom panels get a row of their own
LEFT = Qt.DockWidgetArea.LeftDockWidgetArea
RIGHT = Qt.DockWidgetArea.RightDockWidgetArea
BOTTOM = Qt.DockWidgetArea.BottomDockWidgetArea
PLACES = {
    "Models": LEFT,
    "Sampler": LEFT,
    "Histograms": RIGHT,
    "Training": RIGHT,
    "Diagnostics": BOTTOM,
    "Projection": BOTTOM,
    "Clusters": BOTTOM,
    "Reconstructions": BOTTOM,
}
"""Each dock's area on a tall screen (on a short one the bottom docks go right)."""


def available(window: QWidget) -> QRect:
    """The available area (without task bars) of the screen the window is on."""
    screen = window.screen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, *PREFERRED)


def short(window: QWidget) -> bool:
    """Whether the window's screen is too short for a row of bottom panels."""
    return available(window).height() < TALL


def add_docks(window: QMainWindow, widgets: dict[str, QWidget]) -> dict[str, QDockWidget]:
    """One ``dock<Title>`` per widget, placed for the screen: tabs on the right for the
    histograms and training (and the bottom panels on a short screen), the models and the
    sampler on the left."""
    on_short = short(window)
    docks: dict[str, QDockWidget] = {}
    for title, widget in widgets.items():
        dock = named(QDockWidget(title, window), f"dock{title}")
        dock.setWidget(_scrolling(widget, f"{title[0].lower()}{title[1:]}Scroll"))
        place = PLACES[title]
        window.addDockWidget(RIGHT if on_short and place == BOTTOM else place, dock)
        docks[title] = dock
    bottom = [t for t, place in PLACES.items() if place == BOTTOM]
    tabs = ["Histograms", "Training"] + (bottom if on_short else [])
    for first, then in zip(tabs, tabs[1:], strict=False):
        window.tabifyDockWidget(docks[first], docks[then])
    if not on_short:
        for first, then in zip(bottom, bottom[1:], strict=False):
            window.tabifyDockWidget(docks[first], docks[then])
        docks["Diagnostics"].raise_()
    docks["Histograms"].raise_()
    window.setCorner(Qt.Corner.BottomLeftCorner, LEFT)
    window.setCorner(Qt.Corner.BottomRightCorner, RIGHT)
    return docks


def size_to_screen(window: QMainWindow, docks: dict[str, QDockWidget]) -> None:
    """The preferred size, or the screen's available area when that is smaller; the side
    panels take about a sixth and a quarter of the width, the rest goes to the grids."""
    area = available(window)
    width = min(PREFERRED[0], area.width())
    height = min(PREFERRED[1], area.height() - TITLE_BAR)
    window.resize(width, height)
    left, right = max(260, width // 6), max(300, width // 4)
    window.resizeDocks(
        [docks["Models"], docks["Histograms"]], [left, right], Qt.Orientation.Horizontal
    )
    if area.height() >= TALL:
        window.resizeDocks([docks["Diagnostics"]], [height // 4], Qt.Orientation.Vertical)


def _scrolling(widget: QWidget, name: str) -> QWidget:
    """``widget`` in a scroll area (unless it is one): a panel taller than a small screen
    scrolls instead of making the window taller than the screen."""
    if isinstance(widget, QScrollArea):
        return widget
    area = named(QScrollArea(), name)
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    return area


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
