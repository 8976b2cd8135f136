"""A sampler parameter, declared once: its kind, default, bounds, help and window field.

:class:`Param` reads a parameter from text (:meth:`Param.read`: the command line's flag
types and the window's fields) and checks a value (:meth:`Param.check` for the sampler,
:meth:`Param.check_given` for what the command line and the window give) against every bound
it can know from :class:`Limits`; :func:`to_json` gives a checked value's form in a
sampler's description. Bounds not known yet (z_dim before a model is loaded) are left for a
later check that knows them.

Kinds
-----
float     a finite number (within float32)        positive  a number > 0
int       a whole number from ``low`` to ``high``  axis      a principal axis, 0..z_dim-1
index     a data set image, 0..images-1           range     a pair ``(low, high)``, low < high
choice    one of ``choices``                      vector    ``z_dim`` finite numbers
dims      latent components ``2,5`` (each < z_dim) axes      principal axes ``0,1``
indices   data set images ``10,20``               base      ``mean``, ``origin`` or ``index:N``
name      one label or attribute name (``3``, ``Smiling``), matched against the data later

``dims``, ``axes``, ``indices`` and ``name`` may be left empty (``None``: not given); a list
holds no repeats.

A ``vector`` with ``image_index`` set is given as a data set image index instead (key
``NAME_index``, flag ``--NAME-index``): the sampler gets that image's z-vector.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from explorer.core.errors import InvalidParameter
from explorer.core.ranges import format_range, parse_range

FLOAT32_MAX = float(np.finfo(np.float32).max)
"""z-points are float32: parameters and drawn values must stay within +-this."""

KINDS = (
    "float",
    "positive",
    "int",
    "axis",
    "index",
    "range",
    "choice",
    "vector",
    "dims",
    "axes",
    "indices",
    "base",
    "name",
)
LISTS = ("dims", "axes", "indices")
BASES = ("mean", "origin")  # and index:N


@dataclass(frozen=True)
class Limits:
    """What bounds depend on; ``None`` where not known yet."""

    z_dim: int | None = None
    points: int | None = None  # encoded data points
    images: int | None = None  # images of the data set

    @property
    def axes(self) -> int | None:
        """Number of principal axes of the encoded data."""
        if self.z_dim is None or self.points is None:
            return self.z_dim
        return min(self.z_dim, self.points)


@dataclass(frozen=True)
class Param:
    """One parameter of a sampler.

    ``name`` is the sampler's keyword and the description's key; ``label`` and ``widget``
    (objectName) make its field in the window, ``help`` its tool tip and flag help. ``high``
    is a number or ``"points"`` (the encoded data's size). ``alias`` names an extra flag that
    sets every parameter with that alias (``--range``: both ranges of the 2-D grid).
    """

    name: str
    kind: str
    default: Any = None
    help: str = ""
    label: str = ""
    widget: str = ""
    low: int = 0
    high: int | str | None = None
    choices: tuple[str, ...] = ()
    image_index: int | None = None  # given as this data set image (the window's first value)
    alias: str = ""
    sweep: str = ""  # LO:HI:STEP the quality sweep offers for it (else one around its value)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: unknown kind {self.kind!r}")
        if (self.kind == "choice") != bool(self.choices):
            raise ValueError(f"{self.name}: choices go with kind 'choice' only")
        if self.image_index is not None and self.kind != "vector":
            raise ValueError(f"{self.name}: only a vector can be given as an image index")

    @property
    def key(self) -> str:
        """The name the command line and the window give it under."""
        return self.name if self.image_index is None else f"{self.name}_index"

    @property
    def form(self) -> str:
        """The kind of value the command line and the window give."""
        return self.kind if self.image_index is None else "index"

    @property
    def flag(self) -> str:
        return "--" + self.key.replace("_", "-")

    @property
    def text_default(self) -> str:
        """The default as the window's field shows it."""
        if self.image_index is not None:
            return str(self.image_index)
        if self.kind == "range":
            return format_range(self.default, ":")
        if self.kind in LISTS and self.default is not None:
            return ",".join(str(v) for v in self.default)
        return "" if self.default is None else str(self.default)

    # ------------------------------------------------------------------ reading and checking
    def read(self, text: str, what: str | None = None) -> Any:
        """The value written in ``text`` (its form), without bounds; InvalidParameter if not
        readable."""
        what = what or self.key
        text = str(text).strip()
        form = self.form
        if form in ("float", "positive"):
            try:
                return float(text)
            except ValueError:
                raise InvalidParameter(f"{what} must be a number, got {text!r}.") from None
        if form in ("int", "axis", "index"):
            try:
                return int(text)
            except ValueError:
                raise InvalidParameter(f"{what} must be a whole number, got {text!r}.") from None
        if form == "range":
            try:
                return parse_range(text)
            except InvalidParameter:
                raise InvalidParameter(
                    f"{what} must be low:high such as -2:2, got {text!r}."
                ) from None
        if form in LISTS:
            try:
                values = [int(v) for v in text.replace(" ", ",").split(",") if v]
            except ValueError:
                raise InvalidParameter(
                    f"{what} must be whole numbers separated by commas such as 2,5, got {text!r}."
                ) from None
            return values or None
        if form == "name":
            return text or None
        if form == "vector":
            try:
                return [float(v) for v in text.replace(" ", ",").split(",") if v]
            except ValueError:
                raise InvalidParameter(f"{what} must be numbers separated by commas.") from None
        return text

    def check(self, value: Any, limits: Limits = Limits(), what: str | None = None) -> Any:
        """The sampler's ``value`` (of :attr:`kind`) checked against every bound ``limits``
        knows."""
        return _CHECKS[self.kind](self, what or self.name, value, limits)

    def check_given(self, value: Any, limits: Limits = Limits(), what: str | None = None) -> Any:
        """A value as the command line or the window gives it (of :attr:`form`: an image
        index for a vector given by index), checked likewise."""
        return _CHECKS[self.form](self, what or self.key, value, limits)

    def parse(self, text: str, limits: Limits = Limits(), what: str | None = None) -> Any:
        """:meth:`read` then :meth:`check_given`: one field of the window."""
        return self.check_given(self.read(text, what), limits, what)

    def upper(self, limits: Limits) -> int | None:
        if isinstance(self.high, str):
            return getattr(limits, self.high)
        return self.high

    def allowed(self) -> str:
        """What values it takes, for listings: ``(>0)``, ``(0..z_dim-1)``, ``(diag|full)``."""
        high = "data points" if self.high == "points" else self.high
        return {
            "positive": "(>0)",
            "int": f"({self.low}..{high})" if high is not None else f"(>={self.low})",
            "axis": "(0..z_dim-1)",
            "index": "(image 0..images-1)",
            "range": "(low<high)",
            "choice": f"({'|'.join(self.choices)})",
            "vector": "(z_dim numbers)",
            "dims": "(components such as 2,5)",
            "axes": "(principal axes such as 0,1)",
            "indices": "(images such as 10,20)",
            "base": "(mean|origin|index:N)",
            "name": "(a label or attribute)",
        }.get(self.form, "")

    def listing(self) -> str:
        """``span=3.0 (>0)``: key, default and allowed values."""
        if self.default is None or self.image_index is not None:
            head = self.key
        elif self.kind == "range" or self.kind in LISTS:
            head = f"{self.key}={self.text_default}"
        else:
            head = f"{self.key}={self.default}"
        return f"{head} {self.allowed()}".strip()


def to_json(value: Any) -> Any:
    """A checked value as the description holds it (vectors and ranges as lists)."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, tuple):
        return list(value)
    return value


# ---------------------------------------------------------------- checks by kind


def check_float(name: str, value: Any, positive: bool = False) -> float:
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


def check_int(name: str, value: Any, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InvalidParameter(f"{name} must be a whole number, got {value!r}.")
    out = int(value)
    if out < low or (high is not None and out > high):
        allowed = f"at least {low}" if high is None else f"between {low} and {high}"
        raise InvalidParameter(f"{name} must be {allowed}, got {out}.")
    return out


def _choice(p: Param, name: str, value: Any, limits: Limits) -> str:
    if value not in p.choices:
        raise InvalidParameter(f"{name} must be one of {', '.join(p.choices)}; got {value!r}.")
    return str(value)


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
        lo, hi = value
    except (TypeError, ValueError):
        raise InvalidParameter(f"{name} must be a pair (low, high), got {value!r}.") from None
    lo, hi = check_float(name, lo), check_float(name, hi)
    if lo >= hi:
        raise InvalidParameter(f"{name} must have low < high, got ({lo}, {hi}).")
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


_CHECKS = {
    "float": lambda p, name, value, limits: check_float(name, value),
    "positive": lambda p, name, value, limits: check_float(name, value, positive=True),
    "int": lambda p, name, value, limits: check_int(name, value, p.low, p.upper(limits)),
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
}
