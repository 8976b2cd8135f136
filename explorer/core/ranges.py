"""Value ranges ``(lo, hi)``: of data set values, of what an encoder takes and a decoder makes."""

from __future__ import annotations

import math
from typing import Any

from explorer.core.errors import InvalidParameter

COMMON_RANGES: tuple[tuple[float, float], ...] = ((0.0, 1.0), (-1.0, 1.0), (0.0, 255.0))
"""The value ranges images come in (sigmoid, tanh, 8-bit): the one list the window offers
for a model's files and a float data set, and detection tries (the first two for floats)."""


def check_range(value: Any, what: str = "range") -> tuple[float, float]:
    """``(lo, hi)`` as floats with lo < hi, both finite; one clear line otherwise."""
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        raise InvalidParameter(f"{what} must be LO:HI such as 0:1 or -1:1, got {value!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo >= hi:
        raise InvalidParameter(f"{what} must be finite with LO < HI, got {lo:g}:{hi:g}")
    return lo, hi


def parse_range(text: str) -> tuple[float, float]:
    """``"-3:3"`` -> ``(-3.0, 3.0)`` (a comma works too); :class:`InvalidParameter` otherwise."""
    try:
        lo, hi = (float(v) for v in str(text).strip().replace(",", ":").split(":"))
    except ValueError:
        raise InvalidParameter(f"expected LO:HI such as -3:3, got {text!r}") from None
    return lo, hi


def format_range(value: tuple[float, float], sep: str = ", ") -> str:
    """``[-1, 1]``; with ``sep=":"`` the flag form ``-1:1`` (no brackets)."""
    text = f"{value[0]:g}{sep}{value[1]:g}"
    return text if sep == ":" else f"[{text}]"
