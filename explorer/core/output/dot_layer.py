"""Many points of a few colours (a t-SNE map of 140k points) drawn as one bitmap.

Agg stamps a marker per point: about 150 ms for 140k points, too slow for a map that should
follow a pan within a quarter of a second. :class:`DotLayer` instead transforms all points
to pixels with numpy and sets the pixels of a small disc around each in an RGBA array that
covers the axes, which it hands to the renderer as one image (about 15 ms). The dots are
drawn at every draw, at the renderer's resolution, so a zoom or a resize stays crisp; in SVG
and PDF the layer is embedded as an image at the figure's dpi (the files stay small).
The stamping itself is :func:`stamp_dots` (also used by the window's map widget).

Points are drawn in the order given: later points cover earlier ones, and every point's
centre pixel is drawn after all the discs' rims.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import cast

import numpy as np
import numpy.typing as npt
from matplotlib.artist import Artist, allow_rasterization
from matplotlib.backend_bases import RendererBase
from matplotlib.colors import to_rgba_array

from explorer.core.errors import InvalidParameter


class DotLayer(Artist):
    """``xy`` (n, 2) data coordinates, ``codes`` (n,) index into ``colors`` per point."""

    zorder = 2

    def __init__(
        self,
        xy: np.ndarray,
        codes: np.ndarray,
        colors: npt.ArrayLike,
        size: float = 2.5,
    ) -> None:
        """``size``: dot diameter in points (1/72 inch), as ``markersize`` in ``plot``."""
        super().__init__()
        xy = np.asarray(xy, dtype=np.float64)
        codes = np.asarray(codes, dtype=np.intp)
        if xy.ndim != 2 or xy.shape[1] != 2 or codes.shape != (xy.shape[0],):
            raise InvalidParameter(
                f"dots need xy (n, 2) and codes (n,), got {xy.shape} and {codes.shape}"
            )
        rgba = (to_rgba_array(colors) * 255).round().astype(np.uint8)
        if codes.size and (codes.min() < 0 or codes.max() >= len(rgba)):
            raise InvalidParameter(f"dot colour codes must be in [0, {len(rgba)})")
        self.xy, self.codes, self.size = xy, codes, float(size)
        self.rgba = rgba.view(np.uint32).ravel()  # one 32-bit word per colour
        self.set_rasterized(True)  # a bitmap in vector output too

    def offsets(self, dpi: float) -> list[tuple[int, int]]:
        """(dy, dx) pixel offsets of one dot at ``dpi``, rim first, centre last."""
        return disc_offsets(self.size * dpi / 72)

    def bitmap(self, width: int, height: int, pixels: np.ndarray, dpi: float) -> np.ndarray:
        """RGBA ``(height, width, 4)`` image with a dot at every pixel position ``pixels``
        ((n, 2) x, y from the bottom left; outside ones are skipped). Row 0 is the bottom
        row, as ``renderer.draw_image`` takes it."""
        return stamp_dots(width, height, pixels, self.codes, self.rgba, self.offsets(dpi))

    @allow_rasterization
    def draw(self, renderer: RendererBase) -> None:
        if not self.get_visible() or self.axes is None or not len(self.xy):
            return
        box = self.axes.bbox
        x0, y0 = math.floor(box.x0), math.floor(box.y0)
        width, height = math.ceil(box.x1) - x0, math.ceil(box.y1) - y0
        if width <= 0 or height <= 0:
            return
        pixels = self.axes.transData.transform(self.xy) - (x0, y0)
        dpi = cast(float, renderer.points_to_pixels(72.0))  # typed as array-like: a float here
        image = self.bitmap(width, height, pixels, dpi)
        gc = renderer.new_gc()
        gc.set_clip_rectangle(box)
        renderer.draw_image(gc, x0, y0, image)
        gc.restore()
        self.stale = False


def disc_offsets(diameter_px: float) -> list[tuple[int, int]]:
    """(dy, dx) pixel offsets of a dot ``diameter_px`` pixels wide, rim first, centre last
    (at least the centre pixel: 1 offset up to 1 px, a plus of 5 at 2 px, 3 x 3 at 3 px)."""
    r = max(0.5, float(diameter_px) / 2)
    reach = math.ceil(r - 0.5)
    disc = [
        (dy, dx)
        for dy in range(-reach, reach + 1)
        for dx in range(-reach, reach + 1)
        if dy * dy + dx * dx <= r * r
    ]
    return sorted(disc, key=lambda o: -(o[0] ** 2 + o[1] ** 2))


def stamp_dots(
    width: int,
    height: int,
    pixels: np.ndarray,
    codes: np.ndarray | None,
    rgba_words: np.ndarray,
    offsets: Sequence[tuple[int, int]],
    background: int = 0,
) -> np.ndarray:
    """A ``(height, width, 4)`` uint8 image with a dot at every pixel position.

    ``pixels`` (n, 2): x (column) and y (row) of each point's centre, in pixels of the
    image; the pixel of a point is ``floor``-ed, points outside and NaN ones are skipped.
    Row 0 is whichever edge the caller counts y from. ``rgba_words`` holds one 32-bit word
    per colour (``uint8 (k, 4)`` viewed as ``uint32``), picked by ``codes`` (n,); with
    ``codes`` None it holds the word of every point (n,). The bytes of a word land in the
    image as they are, so the caller chooses the byte order (RGBA for matplotlib, BGRA for
    a little-endian ``QImage.Format_ARGB32_Premultiplied``). ``offsets`` ((dy, dx), from
    :func:`disc_offsets`) are stamped in order for all points at once, so later points
    cover earlier ones and every centre pixel is drawn after all rims. ``background`` is
    the word of the empty pixels (0: transparent).
    """
    pad = max((max(abs(dy), abs(dx)) for dy, dx in offsets), default=0)
    wide = width + 2 * pad
    canvas = np.full((height + 2 * pad) * wide, background, dtype=np.uint32)
    pixels = np.asarray(pixels)
    x, y = pixels[:, 0], pixels[:, 1]
    inside = (x >= 0) & (x < width) & (y >= 0) & (y < height)  # NaN compares false
    keep = np.flatnonzero(inside)
    flat = y[keep].astype(np.intp)  # truncation is floor here: all are >= 0
    flat += pad
    flat *= wide
    flat += x[keep].astype(np.intp)
    flat += pad
    words = np.asarray(rgba_words, dtype=np.uint32)
    colors = words[keep] if codes is None else words[np.asarray(codes)[keep]]
    for dy, dx in offsets:
        canvas[flat + (dy * wide + dx)] = colors
    image = canvas.reshape(height + 2 * pad, wide)[pad : pad + height, pad : pad + width]
    return np.ascontiguousarray(image).view(np.uint8).reshape(height, width, 4)
