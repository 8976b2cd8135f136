"""Image grids, unsharp masking, deterministic PNG output and single-image loading.

Conventions: image batches are ``(n, h, w, c)`` with ``c`` 1 or 3 (``(n, h, w)`` is read as one
channel); float images are in [0, 1]; grids are uint8, ``(H, W)`` for gray, ``(H, W, 3)`` for RGB.

Sharpening is applied per image, never across a grid's padding: sharpen the images first, then
tile them, e.g. ``tile_grid(sharpen(to_uint8(images)), rows, cols)``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter

from explorer.core.errors import InvalidParameter
from explorer.core.util.atomic import atomic_path


def to_uint8(images: np.ndarray) -> np.ndarray:
    """Float images in [0, 1] (any shape) -> uint8: NaN as 0, clipped, scaled by 255 and
    rounded (the one conversion of the package; :func:`from_uint8` goes back)."""
    arr = np.nan_to_num(np.asarray(images, dtype=np.float32), nan=0.0)
    return np.rint(np.clip(arr, 0.0, 1.0) * 255.0).astype(np.uint8)


def from_uint8(images: np.ndarray) -> np.ndarray:
    """uint8 images (any shape) -> float32 in [0, 1]: divided by 255 (the one conversion
    back, as :func:`to_uint8` is the one there)."""
    return np.asarray(images).astype(np.float32) / np.float32(255.0)


def _as_uint8(images: np.ndarray) -> np.ndarray:
    arr = np.asarray(images)
    return arr if arr.dtype == np.uint8 else to_uint8(arr)


def _channels(arr: np.ndarray, what: str) -> int:
    channels = arr.shape[-1]
    if channels not in (1, 3):
        raise InvalidParameter(f"{what} must have 1 or 3 channels, got {channels}.")
    return channels


def tile_grid(
    images: np.ndarray,
    rows: int,
    cols: int,
    padding: int = 2,
    background: int | tuple[int, int, int] = 255,
) -> np.ndarray:
    """Tile images row-major into a ``rows x cols`` grid.

    Parameters
    ----------
    images : ``(n, h, w, c)`` or ``(n, h, w)``, uint8 or float in [0, 1]; ``n <= rows * cols``.
    rows, cols : grid size (>= 1); missing images leave background tiles.
    padding : pixels between tiles and around the border (>= 0).
    background : gray level 0..255, or an RGB triple for colour images.

    Returns
    -------
    uint8 ``(H, W)`` for 1 channel or ``(H, W, 3)``, with ``H = rows * h + (rows + 1) * padding``
    and tile ``(r, c)`` starting at ``(padding + r * (h + padding), padding + c * (w + padding))``.
    """
    arr = _as_uint8(images)
    if arr.ndim == 3:
        arr = arr[..., None]
    if arr.ndim != 4:
        raise InvalidParameter(f"images must be (n, h, w, c), got shape {arr.shape}.")
    channels = _channels(arr, "images")
    for name, value in (("rows", rows), ("cols", cols)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise InvalidParameter(f"{name} must be a whole number >= 1, got {value!r}.")
    if isinstance(padding, bool) or not isinstance(padding, (int, np.integer)) or padding < 0:
        raise InvalidParameter(f"padding must be a whole number >= 0, got {padding!r}.")
    n, h, w = arr.shape[:3]
    if n > rows * cols:
        raise InvalidParameter(f"{n} images do not fit a {rows} x {cols} grid.")
    fill = np.asarray(background)
    if fill.shape not in ((), (channels,)) or np.any(fill < 0) or np.any(fill > 255):
        raise InvalidParameter(f"background must be 0..255 per channel, got {background!r}.")
    step_y, step_x = h + padding, w + padding
    grid = np.empty((rows * step_y + padding, cols * step_x + padding, channels), np.uint8)
    grid[...] = fill
    for i in range(n):
        y, x = padding + (i // cols) * step_y, padding + (i % cols) * step_x
        grid[y : y + h, x : x + w] = arr[i]
    return grid[..., 0] if channels == 1 else grid


SHARPEN_METHODS = ("unsharp", "enhance")
DEFAULT_SHARPEN: dict[str, Any] = {
    "method": "unsharp",
    "radius": 2.0,
    "percent": 150,
    "threshold": 3,
}
"""``unsharp``: Pillow's ``ImageFilter.UnsharpMask(radius, percent, threshold)``; ``enhance``:
``ImageEnhance.Sharpness(image).enhance(factor)``, what seed 000 uses (factors 0-7)."""


def _sharpen_one(image: np.ndarray, apply: Callable[[Image.Image], Image.Image]) -> np.ndarray:
    squeeze = image.ndim == 3 and image.shape[-1] == 1
    pil = Image.fromarray(image[..., 0] if squeeze else image)
    out = np.asarray(apply(pil))
    return out[..., None] if squeeze else out


def sharpen(
    image: np.ndarray,
    radius: float = 2.0,
    percent: int = 150,
    threshold: int = 3,
    method: str = "unsharp",
    factor: float = 7.0,
) -> np.ndarray:
    """Sharpen an image, or a batch of images one by one.

    Parameters
    ----------
    image : ``(h, w)``, ``(h, w, c)`` or a batch ``(n, h, w, c)``; uint8, or float in [0, 1]
        (converted with :func:`to_uint8`). Batch images are sharpened one by one, so apply this
        before :func:`tile_grid` to keep the padding untouched.
    method : ``"unsharp"`` (an unsharp mask: ``radius``, ``percent``, ``threshold``) or
        ``"enhance"`` (Pillow's ``ImageEnhance.Sharpness`` with ``factor``: 1 is the image,
        0 a blurred one, above 1 sharper; seed 000 uses up to 7).
    radius : blur radius in pixels (>= 0).
    percent : strength in percent (>= 0).
    threshold : minimum brightness change to sharpen, 0..255.
    factor : enhancement factor (finite, >= 0).

    Returns
    -------
    uint8 array with the input's shape.
    """
    arr = _as_uint8(image)
    if arr.ndim not in (2, 3, 4):
        raise InvalidParameter(f"image must have 2 to 4 dimensions, got shape {arr.shape}.")
    if arr.ndim > 2:
        _channels(arr, "image")
    apply = _sharpener(method, radius, percent, threshold, factor)
    if arr.ndim == 4:
        return np.stack([_sharpen_one(im, apply) for im in arr]) if len(arr) else arr.copy()
    return _sharpen_one(arr, apply)


def check_sharpening(params: dict) -> None:
    """:class:`InvalidParameter` (one line) unless ``params`` are valid :func:`sharpen`
    keywords (``method`` and its settings)."""
    defaults = {"radius": 2.0, "percent": 150, "threshold": 3, "method": "unsharp", "factor": 7.0}
    unknown = sorted(set(params) - set(defaults))
    if unknown:
        raise InvalidParameter(f"unknown sharpening setting(s): {', '.join(unknown)}.")
    _sharpener(**{**defaults, **params})


def _sharpener(
    method: str, radius: float, percent: float, threshold: float, factor: float
) -> Callable[[Image.Image], Image.Image]:
    """The checked Pillow operation ``image -> image`` of ``method``."""
    if method == "enhance":
        if not (isinstance(factor, (int, float)) and 0 <= factor < float("inf")):
            raise InvalidParameter(f"factor must be a finite number >= 0, got {factor!r}.")
        return lambda pil: ImageEnhance.Sharpness(pil).enhance(float(factor))
    if method != "unsharp":
        raise InvalidParameter(
            f"sharpen method must be one of {', '.join(SHARPEN_METHODS)}, got {method!r}."
        )
    if not radius >= 0:
        raise InvalidParameter(f"radius must be >= 0, got {radius!r}.")
    if not percent >= 0:
        raise InvalidParameter(f"percent must be >= 0, got {percent!r}.")
    if not 0 <= threshold <= 255:
        raise InvalidParameter(f"threshold must be between 0 and 255, got {threshold!r}.")
    unsharp = ImageFilter.UnsharpMask(float(radius), int(percent), int(threshold))
    return lambda pil: pil.filter(unsharp)


def column_frames(images: np.ndarray, rows: int, cols: int, padding: int = 2) -> list[np.ndarray]:
    """Frame ``k`` of a grid's animation: column ``k`` of every row, stacked like the grid
    (so an interpolation, a traversal or an attribute sweep plays row by row)."""
    arr = _as_uint8(images)
    if len(arr) != rows * cols:
        raise InvalidParameter(f"{len(arr)} images do not fill a {rows}x{cols} grid.")
    return [tile_grid(arr[k::cols], rows, 1, padding=padding) for k in range(cols)]


def save_gif(frames: list[np.ndarray], path: str | os.PathLike, frame_ms: int = 150) -> None:
    """Write ``frames`` (uint8, all the same shape) as a looping GIF, atomically."""
    if not frames:
        raise InvalidParameter("a GIF needs at least one frame.")
    pil = [Image.fromarray(f[..., 0] if f.ndim == 3 and f.shape[-1] == 1 else f) for f in frames]
    with atomic_path(path) as tmp:
        pil[0].save(
            tmp, format="GIF", save_all=True, append_images=pil[1:], duration=frame_ms, loop=0
        )


def save_png(array: np.ndarray, path: str | os.PathLike) -> None:
    """Write ``(H, W)``, ``(H, W, 1)`` or ``(H, W, 3)`` (uint8, or float in [0, 1]) as PNG.

    The write is atomic and deterministic: the same array always gives the same bytes (no
    timestamps or other metadata).
    """
    arr = _as_uint8(array)
    if arr.ndim == 3 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[-1] != 3):
        raise InvalidParameter(f"PNG needs an (H, W) or (H, W, 3) array, got {arr.shape}.")
    image = Image.fromarray(np.ascontiguousarray(arr))
    with atomic_path(path) as tmp:
        image.save(tmp, format="PNG", optimize=False, compress_level=6)
