"""The checks of a declared parameter's value, by kind (:class:`~explorer.core.params.Param`):
each takes the declaration, the name to use in the message, the value and the
:class:`~explorer.core.params.Limits`, and returns the value checked (and normalised) or
raises :class:`InvalidParameter` with one sentence."""

from __future__ import annotations

import math
import os
from typing import TYPE_CHECKING, Any

import numpy as np

from explorer.core.errors import InvalidParameter

if TYPE_CHECKING:
    from explorer.core.params import Limits, Param

FLOAT32_MAX = float(np.finfo(np.float32).max)
"""z-points are float32: parameters and drawn values must stay within +-this."""
BASES = ("mean", "origin")  # and index:N


def check_float(name: str, value: Any, positive: bool = False) -> float:
    if isinstance(value, bool):
        raise InvalidParameter(f"{name} must be a number, got {value!r}.")
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise InvalidParameter(f"{name} must be a number, got {value!r}.") from None
    if not math.isfinite(out):
        raise InvalidParameter(f"{name} must be finite, got {value!r}.")
    if abs(out) > FLOAT32_MAX:
        raise InvalidParameter(
            f"{name} must be within float32 range (+-{FLOAT32_MAX:.3g}), got {out:g}."
        )
    if positive and out <= 0:
        raise InvalidParameter(f"{name} must be greater than 0, got {value!r}.")
    return out


def check_int(name: str, value: Any, low: float | None, high: float | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InvalidParameter(f"{name} must be a whole number, got {value!r}.")
    return int(check_bounds(name, int(value), low, high))


def check_bounds(
    name: str,
    value: float,
    low: float | None,
    high: float | None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """``value`` within ``[low, high]`` (a bound left out with ``None``; ``*_open``: that
    bound excluded), else one sentence saying what is allowed."""
    below = low is not None and (value <= low if low_open else value < low)
    above = high is not None and (value >= high if high_open else value > high)
    if not (below or above):
        return value
    lower = f"greater than {low:g}" if low_open else f"at least {low:g}" if low is not None else ""
    upper = f"below {high:g}" if high_open else f"at most {high:g}" if high is not None else ""
    if lower and upper and not (low_open or high_open):
        allowed = f"between {low:g} and {high:g}"
    else:
        allowed = " and ".join(a for a in (lower, upper) if a)
    raise InvalidParameter(f"{name} must be {allowed}, got {value:g}.")


def _number(p: Param, name: str, value: Any, limits: Limits) -> float:
    out = check_float(name, value, positive=p.kind == "positive")
    return check_bounds(name, out, p.low, p.upper(limits), p.low_open, p.high_open)


def _int(p: Param, name: str, value: Any, limits: Limits) -> int:
    if not p.low_open and not p.high_open:
        return check_int(name, value, p.low, p.upper(limits))
    out = check_int(name, value, None)
    return int(check_bounds(name, out, p.low, p.upper(limits), p.low_open, p.high_open))


def _choice(p: Param, name: str, value: Any, limits: Limits) -> Any:
    if p.strict and value not in p.choices:
        shown = ", ".join(str(c) for c in p.choices)
        raise InvalidParameter(f"{name} must be one of {shown}; got {value!r}.")
    return value  # a choice the parser does not restrict: the core's own check names them


def _vector(p: Param, name: str, value: Any, limits: Limits) -> np.ndarray:
    z_dim = limits.z_dim
    size = "" if z_dim is None else f"{z_dim} "
    if value is None:
        raise InvalidParameter(f"{name} is required: a vector of {size}numbers.")
    try:
        vec = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidParameter(f"{name} must be a vector of {size}numbers.") from None
    if z_dim is None and vec.ndim != 1:
        raise InvalidParameter(f"{name} must be a vector of numbers, got shape {vec.shape}.")
    if z_dim is not None and vec.shape != (z_dim,):
        raise InvalidParameter(f"{name} must have {z_dim} values (z_dim), got shape {vec.shape}.")
    if not np.all(np.isfinite(vec)):
        raise InvalidParameter(f"{name} must contain only finite numbers.")
    if vec.size and np.abs(vec).max() > FLOAT32_MAX:
        raise InvalidParameter(f"{name} must stay within float32 range (+-{FLOAT32_MAX:.3g}).")
    return vec


def _range(p: Param, name: str, value: Any, limits: Limits) -> tuple[float, float]:
    try:
        if isinstance(value, (str, bytes)):
            raise ValueError
        lo, hi = value
    except (TypeError, ValueError):
        raise InvalidParameter(f"{name} must be a pair (low, high), got {value!r}.") from None
    lo, hi = check_float(name, lo), check_float(name, hi)
    if lo >= hi:
        raise InvalidParameter(f"{name} must have low < high, got {lo:g}:{hi:g}.")
    return lo, hi


def _axis(p: Param, name: str, value: Any, limits: Limits) -> int:
    axis, count = check_int(name, value, 0), limits.axes
    if count is not None and axis >= count:
        raise InvalidParameter(f"{name} must be below {count} (the number of principal axes).")
    return axis


def _index(p: Param, name: str, value: Any, limits: Limits) -> int:
    return check_int(name, value, 0, None if limits.images is None else limits.images - 1)


def _list(p: Param, name: str, value: Any, limits: Limits) -> tuple[int, ...] | None:
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise InvalidParameter(f"{name} must be a list of whole numbers, got {value!r}.")
    values = tuple(check_int(name, v, 0) for v in value)
    if not values:
        return None
    if len(set(values)) != len(values):
        raise InvalidParameter(f"{name} must not repeat a value, got {list(values)}.")
    count, what = {
        "dims": (limits.z_dim, "z_dim"),
        "axes": (limits.axes, "the number of principal axes"),
        "indices": (limits.images, "the number of images"),
    }[p.kind]
    if count is not None and max(values) >= count:
        raise InvalidParameter(f"{name} must be below {count} ({what}), got {max(values)}.")
    return values


def _ints(p: Param, name: str, value: Any, limits: Limits) -> list[int]:
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise InvalidParameter(f"{name} must be a list of whole numbers, got {value!r}.")
    return [check_int(name, v, p.low, p.upper(limits)) for v in value]


def _strs(p: Param, name: str, value: Any, limits: Limits) -> list[str]:
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise InvalidParameter(f"{name} must be a list of names, got {value!r}.")
    return [str(v) for v in value]


def _bool(p: Param, name: str, value: Any, limits: Limits) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise InvalidParameter(f"{name} must be on or off (true or false), got {value!r}.")
    return bool(value)


def _text(p: Param, name: str, value: Any, limits: Limits) -> str:
    if not isinstance(value, (str, os.PathLike)):
        raise InvalidParameter(f"{name} must be text (a name or a path), got {value!r}.")
    return str(value)


def parse_base(text: str) -> tuple[str, int | None]:
    """``"mean"`` -> ``("mean", None)``, ``"index:12"`` -> ``("index", 12)``."""
    kind, _, number = str(text).strip().partition(":")
    if kind in BASES and not number:
        return kind, None
    if kind == "index" and number.strip().isdigit():
        return "index", int(number)
    raise InvalidParameter(f"must be mean, origin or index:N (a data set image), got {text!r}")


def _base(p: Param, name: str, value: Any, limits: Limits) -> str:
    try:
        kind, index = parse_base(value)
    except InvalidParameter as exc:
        raise InvalidParameter(f"{name} {exc}.") from None
    if index is None:
        return kind
    return f"index:{_index(p, name, index, limits)}"


def _name(p: Param, name: str, value: Any, limits: Limits) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, np.integer)):
        raise InvalidParameter(f"{name} must be a label or attribute name, got {value!r}.")
    text = str(value).strip()
    if "," in text:
        raise InvalidParameter(f"{name} must be one label or attribute name, got {text!r}.")
    return text or None


CHECKS = {
    "float": _number,
    "positive": _number,
    "int": _int,
    "axis": _axis,
    "index": _index,
    "range": _range,
    "choice": _choice,
    "vector": _vector,
    "dims": _list,
    "axes": _list,
    "indices": _list,
    "base": _base,
    "name": _name,
    "bool": _bool,
    "ints": _ints,
    "strs": _strs,
    "dataset": _text,
    "path": _text,
}
"""The check of each kind of :class:`~explorer.core.params.Param`."""
