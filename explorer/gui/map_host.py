"""What the mixins of :class:`~explorer.gui.map_view.MapView` use of it, for the type checker.

:class:`~explorer.gui.map_paint.MapPainting` and :class:`~explorer.gui.map_input.MapInput`
derive from :class:`MapHost`, which is ``object`` at run time (their method resolution order
is unchanged) and, for mypy, a ``QWidget`` declaring the view's state and the view's methods
they call. The methods are abstract: mypy reports a ``MapView`` that lacks one of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from abc import abstractmethod

    import numpy as np
    from PySide6.QtCore import QPointF, QRectF, Signal
    from PySide6.QtGui import QImage, QPainterPath, QTransform
    from PySide6.QtWidgets import QWidget

    from explorer.core.output.map_colours import MapColours

    class MapHost(QWidget):
        """The state and methods of ``MapView`` its mixins use (see the module docstring)."""

        clicked = Signal(int)
        rendered = Signal(float)

        title: str
        axis_names: tuple[str, str]
        last_render_ms: float
        _message: str
        _xy: np.ndarray | None
        _x: np.ndarray | None  # the columns of _xy
        _y: np.ndarray | None
        _colours: MapColours | None
        _view: tuple[float, float, float, float] | None
        _selection: np.ndarray
        _marked: np.ndarray
        _mode: str
        _contours_on: bool
        _render_job: tuple | None
        _selecting: int
        _hover: int
        _hover_pos: QPointF | None
        _drag: dict | None
        _version: int
        _style: int
        _prepared: tuple | None
        _image: QImage | None
        _buffer: np.ndarray | None
        _image_key: tuple | None

        @abstractmethod
        def plot_rect(self) -> QRectF: ...

        @abstractmethod
        def view_limits(self) -> tuple[tuple[float, float], tuple[float, float]]: ...

        @abstractmethod
        def _scale(self) -> tuple[float, float]: ...

        @abstractmethod
        def _transform(self) -> QTransform: ...

        @abstractmethod
        def data_at(self, pos: QPointF) -> tuple[float, float]: ...

        @abstractmethod
        def pixel_of(self, xy: np.ndarray) -> np.ndarray: ...

        @abstractmethod
        def _set_view(self, view: tuple[float, float, float, float], user: bool) -> None: ...

        @abstractmethod
        def reset_view(self) -> None: ...

        @abstractmethod
        def pan_pixels(self, dx: float, dy: float) -> None: ...

        @abstractmethod
        def zoom_at(self, pos: QPointF, factor: float) -> None: ...

        @abstractmethod
        def select_rows(self, rows: np.ndarray) -> None: ...

        @abstractmethod
        def clear_selection(self) -> None: ...

        @abstractmethod
        def contour_paths(self) -> list[tuple[float, QPainterPath]]: ...

        @abstractmethod
        def nearest_row(self, pos: QPointF) -> int: ...

        @abstractmethod
        def _set_hover(self, row: int, pos: QPointF | None = None) -> None: ...

        @abstractmethod
        def _thumb_for(self, row: int) -> tuple[int, QImage | None, str] | None: ...

else:
    MapHost = object
