"""Mouse and keys of :class:`~explorer.gui.map.map_view.MapView`: drag to pan, Shift+drag a
lasso, Ctrl+drag a rectangle (or the mode set), wheel and +/- zoom, arrows pan, 0/Home
shows everything, Esc clears the selection. A collaborator of ``MapView`` (its ``input``)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import numpy as np
import shiboken6
from PySide6.QtCore import Qt

from explorer.core.stats import map_geometry
from explorer.gui.tasks.workers import jobs

if TYPE_CHECKING:
    from explorer.gui.map.map_view import MapView

CLICK_SLOP = 4  # pixels a press may move and still be a click
ZOOM_STEP = 1.25  # one wheel notch, one +/- key
KEY_PAN = 0.1  # an arrow key pans this share of the plot
SELECT_IN_THREAD = 300_000  # from this many points a lasso or rectangle selects in a thread


class MapInput:
    """Mouse and key handling of a :class:`~explorer.gui.map.map_view.MapView` (its
    ``input``). The view forwards its events; a handler returns False for an event it leaves
    to the view's base class."""

    def __init__(self, view: MapView) -> None:
        self.view = view
        self.busy = 0  # selections being found in a job (large maps)

    def press(self, event) -> bool:
        if event.button() != Qt.MouseButton.LeftButton or self.view._xy is None:
            return False
        mods = event.modifiers()
        if mods & Qt.KeyboardModifier.ShiftModifier:
            kind = "lasso"
        elif mods & Qt.KeyboardModifier.ControlModifier:
            kind = "rect"
        else:
            kind = self.view._mode
        pos = event.position()
        self.view._drag = {
            "kind": kind, "start": pos, "end": pos, "points": [pos], "moved": False,
            "view": self.view.viewport.box, "plain": not (mods & (
                Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier)),
        }  # fmt: skip
        self.view.hover.set(-1)
        event.accept()
        return True

    def move(self, event) -> bool:
        pos = event.position()
        drag = self.view._drag
        if drag is None:
            if self.view._xy is not None and self.view.plot_rect().contains(pos):
                self.view.hover.set(self.view.nearest_row(pos), pos)
            elif self.view.hover.row >= 0 or self.view.hover.pos is not None:
                self.view.hover.set(-1)
            return True
        start = drag["start"]
        moved = pos - start
        if not drag["moved"] and max(abs(moved.x()), abs(moved.y())) <= CLICK_SLOP:
            return True
        drag["moved"], drag["end"] = True, pos
        if drag["kind"] == "pan":
            # from the view at the press, so rounding never accumulates
            x0, x1, y0, y1 = drag["view"]
            sx, sy = self.view.viewport.scale()
            ddx, ddy = -moved.x() / sx, moved.y() / sy
            self.view.viewport.set((x0 + ddx, x1 + ddx, y0 + ddy, y1 + ddy), user=True)
        elif drag["kind"] == "lasso":
            last = drag["points"][-1]
            if abs(pos.x() - last.x()) + abs(pos.y() - last.y()) >= 2:
                drag["points"].append(pos)
            self.view.update()
        else:
            self.view.update()
        event.accept()
        return True

    def release(self, event) -> bool:
        drag, self.view._drag = self.view._drag, None
        if drag is None or event.button() != Qt.MouseButton.LeftButton:
            return False
        pos = event.position()
        if drag["kind"] == "lasso" and drag["moved"]:
            drag["points"].append(pos)
            polygon = np.array([self.view.data_at(p) for p in drag["points"]])
            self._select_inside(lambda xy: map_geometry.points_in_polygon(xy, polygon))
        elif drag["kind"] == "rect" and drag["moved"]:
            (ax, ay), (bx, by) = self.view.data_at(drag["start"]), self.view.data_at(pos)
            self._select_inside(lambda xy: map_geometry.points_in_rect(xy, (ax, bx), (ay, by)))
        elif drag["kind"] == "pan" and not drag["moved"] and drag["plain"]:
            self.view.clicked.emit(self.view.nearest_row(pos))
        self.view.update()
        event.accept()
        return True

    def _select_inside(self, inside) -> None:
        """Select the points for which ``inside(xy)`` (a mask) holds: here up to
        :data:`SELECT_IN_THREAD` points, from there on in a thread (a lasso around half a
        million points takes about 100 ms), the selection then arriving a little later."""
        version, xy = self.view._version, self.view._xy  # replaced, never changed in place
        assert xy is not None, "no drag without points (clear() ends a drag)"
        if len(xy) < SELECT_IN_THREAD:
            self.view.select_rows(np.flatnonzero(inside(xy)))
            return
        self.busy += 1
        task = jobs().start(
            f"map-select-{id(self)}", _rows_inside, version, xy, inside,
            on_done=self._selection_found, on_error=self._selection_failed,
        )  # fmt: skip
        task.finished.connect(self._selection_ended)

    def _selection_found(self, found: tuple[int, np.ndarray]) -> None:
        version, rows = found
        if shiboken6.isValid(self.view) and version == self.view._version:  # the same points
            self.view.select_rows(rows)

    def _selection_failed(self, text: str) -> None:
        print(f"latent-explorer: the map's selection failed: {text}", file=sys.stderr)

    def _selection_ended(self) -> None:
        if shiboken6.isValid(self.view):
            self.busy -= 1

    def selecting(self) -> bool:
        """A selection of a large map is being found in a thread."""
        return self.busy > 0

    def double_click(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.view._drag = None
            self.view.reset_view()
            event.accept()

    def wheel(self, event) -> None:
        steps = event.angleDelta().y() / 120
        if steps and self.view._xy is not None:
            self.view.zoom_at(event.position(), ZOOM_STEP ** (-steps))
        event.accept()

    def leave(self) -> None:
        if self.view._drag is None:
            self.view.hover.set(-1)

    def key(self, event) -> bool:
        key = event.key()
        rect = self.view.plot_rect()
        K = Qt.Key
        if key in (K.Key_Plus, K.Key_Equal):
            self.view.zoom_at(rect.center(), 1 / ZOOM_STEP)
        elif key == K.Key_Minus:
            self.view.zoom_at(rect.center(), ZOOM_STEP)
        elif key in (K.Key_0, K.Key_Home):
            self.view.reset_view()
        elif key == K.Key_Escape:
            self.view.clear_selection()
        elif key == K.Key_Left:
            self.view.pan_pixels(rect.width() * KEY_PAN, 0)
        elif key == K.Key_Right:
            self.view.pan_pixels(-rect.width() * KEY_PAN, 0)
        elif key == K.Key_Up:
            self.view.pan_pixels(0, rect.height() * KEY_PAN)
        elif key == K.Key_Down:
            self.view.pan_pixels(0, -rect.height() * KEY_PAN)
        else:
            return False
        event.accept()
        return True


def _rows_inside(_state, version: int, xy: np.ndarray, inside) -> tuple[int, np.ndarray]:
    """A job: the rows of ``xy`` for which ``inside`` holds, for the points of ``version``."""
    return version, np.flatnonzero(inside(xy))
