"""The hover of :class:`~explorer.gui.map.map_view.MapView` (its ``hover``): the row under
the cursor, the index of the points that finds it (built in a thread for large maps) and
the box of the hovered point's image and text."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import shiboken6
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QImage

from explorer.core.stats import map_geometry
from explorer.gui.tasks.workers import jobs

if TYPE_CHECKING:
    from explorer.gui.map.map_view import MapView

INDEX_IN_THREAD = 300_000  # from this many points the hover index is built in a thread
HOVER_PX = 8  # the nearest point within this distance is hovered
THUMB_PX = 80  # the hover box's image at most this big
Thumbnail = Callable[[int], tuple[QImage | None, str]]


class MapHover:
    """Which point the cursor is over, and the box shown for it."""

    def __init__(self, view: MapView) -> None:
        self.view = view
        self.row = -1
        self.pos: QPointF | None = None
        self.thumbnail: Thumbnail | None = None  # row -> (image or None, text)
        self._thumb: tuple[int, QImage | None, str] | None = None
        self._index: map_geometry.PointIndex | None = None
        self._index_version = -1  # the positions an index is being built for in a job

    def forget(self) -> None:
        """New positions: the index and the box are out of date."""
        self._index = None
        self._thumb = None

    def nearest_row(self, pos: QPointF, radius: float = HOVER_PX) -> int:
        """The row nearest to widget position ``pos`` within ``radius`` pixels, or -1."""
        view = self.view
        if view._xy is None or not len(view._xy) or view.viewport.box is None:
            return -1
        index = self._point_index()
        if index is None:  # still being built (a large map): nothing hovered yet
            return -1
        return index.nearest(view.data_at(pos), radius, view.viewport.scale())

    def _point_index(self) -> map_geometry.PointIndex | None:
        """The hover index of the points on screen. Up to :data:`INDEX_IN_THREAD` points it
        is built here (under 10 ms at 140k); above, in a thread (about 60-130 ms at 1M, a
        stall otherwise), and ``None`` is returned until it is there."""
        xy, version = self.view._xy, self.view._version
        if self._index is not None or xy is None:
            return self._index
        if len(xy) < INDEX_IN_THREAD:
            self._index = map_geometry.PointIndex(xy)
            return self._index
        if self._index_version != version:
            self._index_version = version
            jobs().start(
                f"map-index-{id(self.view)}", _build_index, version, xy,
                on_done=self._index_built,
                on_error=lambda _text: self._index_built((self._index_version, None)),
            )  # fmt: skip
        return None

    def _index_built(self, built: tuple[int, map_geometry.PointIndex | None]) -> None:
        version, index = built
        view = self.view
        if shiboken6.isValid(view) and version == view._version:
            assert view._xy is not None, "the points of the version the index is for"
            # a failure is built again here, to report it
            self._index = index if index is not None else map_geometry.PointIndex(view._xy)
            if self.pos is not None and view._drag is None:
                self.set(self.nearest_row(self.pos), self.pos)

    def set(self, row: int, pos: QPointF | None = None) -> None:
        """``row`` is hovered (-1: none), the cursor at ``pos``."""
        moved = self.pos != pos
        self.pos = pos
        if row != self.row:
            self.row = row
            self.view.hovered.emit(row)
            self.view.update()
        elif row >= 0 and moved and self.thumbnail is not None:
            self.view.update()  # the box follows the cursor

    def set_thumbnail(self, provider: Thumbnail | None) -> None:
        self.thumbnail, self._thumb = provider, None
        self.view.update()

    def box(self, row: int) -> tuple[int, QImage | None, str] | None:
        """(row, image scaled to at most :data:`THUMB_PX`, text) of the box, None without."""
        if row < 0 or self.thumbnail is None:
            return None
        if self._thumb is None or self._thumb[0] != row:
            image, text = self.thumbnail(row)
            if image is not None and not image.isNull():
                image = image.scaled(
                    THUMB_PX, THUMB_PX, Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )  # fmt: skip
            self._thumb = (row, image, str(text))
        return self._thumb


def _build_index(_state, version: int, xy: np.ndarray) -> tuple[int, map_geometry.PointIndex]:
    """A job: the hover index of the points of ``version`` (``xy`` is replaced, never
    changed in place, by new positions)."""
    return version, map_geometry.PointIndex(xy)
