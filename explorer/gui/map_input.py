"""Mouse and keys of :class:`~explorer.gui.map_view.MapView`: drag to pan, Shift+drag a
lasso, Ctrl+drag a rectangle (or the mode set), wheel and +/- zoom, arrows pan, 0/Home
shows everything, Esc clears the selection. A mixin of ``MapView``."""

from __future__ import annotations

import sys

import numpy as np
import shiboken6
from PySide6.QtCore import Qt

from explorer.core.stats import map_geometry
from explorer.gui.map_host import MapHost
from explorer.gui.workers import jobs

CLICK_SLOP = 4  # pixels a press may move and still be a click
ZOOM_STEP = 1.25  # one wheel notch, one +/- key
KEY_PAN = 0.1  # an arrow key pans this share of the plot
SELECT_IN_THREAD = 300_000  # from this many points a lasso or rectangle selects in a thread


class MapInput(MapHost):  # MapHost: object at run time, declarations for mypy
    """Mouse and key handling of a :class:`~explorer.gui.map_view.MapView` (a mixin)."""

    def mousePressEvent(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self._xy is None:
            super().mousePressEvent(event)
            return
        mods = event.modifiers()
        if mods & Qt.KeyboardModifier.ShiftModifier:
            kind = "lasso"
        elif mods & Qt.KeyboardModifier.ControlModifier:
            kind = "rect"
        else:
            kind = self._mode
        pos = event.position()
        self._drag = {
            "kind": kind, "start": pos, "end": pos, "points": [pos], "moved": False,
            "view": self._view, "plain": not (mods & (
                Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier)),
        }  # fmt: skip
        self._set_hover(-1)
        event.accept()

    def mouseMoveEvent(self, event) -> None:
        pos = event.position()
        drag = self._drag
        if drag is None:
            if self._xy is not None and self.plot_rect().contains(pos):
                self._set_hover(self.nearest_row(pos), pos)
            elif self._hover >= 0 or self._hover_pos is not None:
                self._set_hover(-1)
            return
        start = drag["start"]
        moved = pos - start
        if not drag["moved"] and max(abs(moved.x()), abs(moved.y())) <= CLICK_SLOP:
            return
        drag["moved"], drag["end"] = True, pos
        if drag["kind"] == "pan":
            # from the view at the press, so rounding never accumulates
            x0, x1, y0, y1 = drag["view"]
            sx, sy = self._scale()
            ddx, ddy = -moved.x() / sx, moved.y() / sy
            self._set_view((x0 + ddx, x1 + ddx, y0 + ddy, y1 + ddy), user=True)
        elif drag["kind"] == "lasso":
            last = drag["points"][-1]
            if abs(pos.x() - last.x()) + abs(pos.y() - last.y()) >= 2:
                drag["points"].append(pos)
            self.update()
        else:
            self.update()
        event.accept()

    def mouseReleaseEvent(self, event) -> None:
        drag, self._drag = self._drag, None
        if drag is None or event.button() != Qt.MouseButton.LeftButton:
            super().mouseReleaseEvent(event)
            return
        pos = event.position()
        if drag["kind"] == "lasso" and drag["moved"]:
            drag["points"].append(pos)
            polygon = np.array([self.data_at(p) for p in drag["points"]])
            self._select_inside(lambda xy: map_geometry.points_in_polygon(xy, polygon))
        elif drag["kind"] == "rect" and drag["moved"]:
            (ax, ay), (bx, by) = self.data_at(drag["start"]), self.data_at(pos)
            self._select_inside(lambda xy: map_geometry.points_in_rect(xy, (ax, bx), (ay, by)))
        elif drag["kind"] == "pan" and not drag["moved"] and drag["plain"]:
            self.clicked.emit(self.nearest_row(pos))
        self.update()
        event.accept()

    def _select_inside(self, inside) -> None:
        """Select the points for which ``inside(xy)`` (a mask) holds: here up to
        :data:`SELECT_IN_THREAD` points, from there on in a thread (a lasso around half a
        million points takes about 100 ms), the selection then arriving a little later."""
        version, xy = self._version, self._xy  # replaced, never changed in place
        assert xy is not None, "no drag without points (clear() ends a drag)"
        if len(xy) < SELECT_IN_THREAD:
            self.select_rows(np.flatnonzero(inside(xy)))
            return
        self._selecting += 1
        task = jobs().start(
            f"map-select-{id(self)}", _rows_inside, version, xy, inside,
            on_done=self._selection_found, on_error=self._selection_failed,
        )  # fmt: skip
        task.finished.connect(self._selection_ended)

    def _selection_found(self, found: tuple[int, np.ndarray]) -> None:
        version, rows = found
        if shiboken6.isValid(self) and version == self._version:  # the same points still
            self.select_rows(rows)

    def _selection_failed(self, text: str) -> None:
        print(f"latent-explorer: the map's selection failed: {text}", file=sys.stderr)

    def _selection_ended(self) -> None:
        if shiboken6.isValid(self):
            self._selecting -= 1

    def selecting(self) -> bool:
        """A selection of a large map is being found in a thread."""
        return self._selecting > 0

    def mouseDoubleClickEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._drag = None
            self.reset_view()
            event.accept()

    def wheelEvent(self, event) -> None:
        steps = event.angleDelta().y() / 120
        if steps and self._xy is not None:
            self.zoom_at(event.position(), ZOOM_STEP ** (-steps))
        event.accept()

    def leaveEvent(self, event) -> None:
        if self._drag is None:
            self._set_hover(-1)
        super().leaveEvent(event)

    def keyPressEvent(self, event) -> None:
        key = event.key()
        rect = self.plot_rect()
        K = Qt.Key
        if key in (K.Key_Plus, K.Key_Equal):
            self.zoom_at(rect.center(), 1 / ZOOM_STEP)
        elif key == K.Key_Minus:
            self.zoom_at(rect.center(), ZOOM_STEP)
        elif key in (K.Key_0, K.Key_Home):
            self.reset_view()
        elif key == K.Key_Escape:
            self.clear_selection()
        elif key == K.Key_Left:
            self.pan_pixels(rect.width() * KEY_PAN, 0)
        elif key == K.Key_Right:
            self.pan_pixels(-rect.width() * KEY_PAN, 0)
        elif key == K.Key_Up:
            self.pan_pixels(0, rect.height() * KEY_PAN)
        elif key == K.Key_Down:
            self.pan_pixels(0, -rect.height() * KEY_PAN)
        else:
            super().keyPressEvent(event)
            return
        event.accept()


def _rows_inside(_state, version: int, xy: np.ndarray, inside) -> tuple[int, np.ndarray]:
    """A job: the rows of ``xy`` for which ``inside`` holds, for the points of ``version``."""
    return version, np.flatnonzero(inside(xy))
