"""Reading the image files users have, one decoder for every path (training folders, the
decoded-image cache, encoding, ``reconstruct --images``, single reads): Pillow, which reads
what TensorFlow's decoder refuses or gets wrong.

:func:`read_image` gives uint8 ``(h, w, c)``: the picture turned upright by its EXIF
orientation, the first frame of an animation, CMYK and palette images as RGB, 16-bit images
scaled to 8 bits (not clipped), transparent pixels laid over black (the data sets' own
background: white digits on black), then grey or RGB as the model takes it, the centre
square, and an antialiased resize. JPEGs are decoded at a reduced scale first when that is
still at least the size asked (``draft``), which makes large photos much faster to read.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from explorer.core.errors import DatasetError

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tif", ".tiff", ".webp"})
"""The files an image folder is made of (by suffix, any case)."""
_SIXTEEN_BIT = {"I;16", "I;16B", "I;16L", "I;16N", "I"}
_ALPHA = {"LA", "La", "RGBA", "RGBa", "PA"}
_ORIENTATION = 0x0112  # the EXIF tag


def read_image(path: str | os.PathLike, image_shape: tuple[int, int, int]) -> np.ndarray:
    """One image file as uint8 ``(h, w, c)`` (see the module docstring); one
    :class:`DatasetError` line naming the file and why when it cannot be read."""
    h, w, c = (int(v) for v in image_shape)
    try:
        with Image.open(path) as im:
            if getattr(im, "n_frames", 1) > 1:
                im.seek(0)
            if im.format == "JPEG":
                side = max(h, w)
                im.draft(None, (side, side))  # a reduced DCT scale, never below the size asked
            if im.getexif().get(_ORIENTATION, 1) != 1:  # else no copy of the pixels
                im = ImageOps.exif_transpose(im)
            im = _in_mode(im, "L" if c == 1 else "RGB")
            side = min(im.size)
            left, top = (im.width - side) // 2, (im.height - side) // 2
            im = im.crop((left, top, left + side, top + side))
            im = im.resize((w, h), Image.Resampling.BILINEAR, reducing_gap=None)
            arr = np.asarray(im, dtype=np.uint8)
    except (
        OSError, UnidentifiedImageError, ValueError, SyntaxError, EOFError,
        Image.DecompressionBombError,
    ) as exc:  # fmt: skip
        raise DatasetError(f"{path}: unreadable image ({_reason(exc)})") from exc
    return arr[..., None] if arr.ndim == 2 else arr


def _in_mode(im: Image.Image, mode: str) -> Image.Image:
    """``im`` as ``mode`` ("L" or "RGB"), with 16-bit values scaled and alpha over black."""
    if im.mode in _SIXTEEN_BIT:
        arr = np.asarray(im).astype(np.float64)
        top = 65535.0 if arr.size and arr.max() > 255 else 255.0
        im = Image.fromarray(np.rint(np.clip(arr, 0, top) * (255.0 / top)).astype(np.uint8), "L")
    elif im.mode == "F":
        arr = np.asarray(im, dtype=np.float64)
        top = 1.0 if arr.size and arr.max() <= 1.0 else 255.0
        im = Image.fromarray(np.rint(np.clip(arr, 0, top) * (255.0 / top)).astype(np.uint8), "L")
    elif im.mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    if im.mode in _ALPHA:
        rgba = im.convert("RGBA")
        black = Image.new("RGBA", rgba.size, (0, 0, 0, 255))
        im = Image.alpha_composite(black, rgba)
    return im if im.mode == mode else im.convert(mode)


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text.replace(str(getattr(exc, "filename", "") or "\0"), "").strip(" :'\"") or text


def is_image_file(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES and path.is_file()
