"""Value ranges ``(lo, hi)``: of data set values, of what an encoder takes and a decoder makes."""

from __future__ import annotations

import math

from explorer.core.errors import InvalidParameter


def check_range(value, what: str = "range") -> tuple[float, float]:
    """``(lo, hi)`` as floats with lo < hi, both finite; one clear line otherwise."""
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        raise InvalidParameter(f"{what} must be LO:HI such as 0:1 or -1:1, got {value!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo >= hi:
        raise InvalidParameter(f"{what} must be finite with LO < HI, got {lo:g}:{hi:g}")
    return lo, hi


def format_range(value: tuple[float, float], sep: str = ", ") -> str:
    """``[-1, 1]``; with ``sep=":"`` the flag form ``-1:1`` (no brackets)."""
    text = f"{value[0]:g}{sep}{value[1]:g}"
    return text if sep == ":" else f"[{text}]"
