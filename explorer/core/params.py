"""A parameter, declared once: the sampler's and map method's parameters and the training
options alike (:class:`Param`). One declaration gives the value's flag (``commands.options``),
its widget in the window (``gui.widgets.param_fields``), its reading from text
(:meth:`Param.read`), its check (:meth:`Param.check` for the value a sampler or a training
gets, :meth:`Param.check_given` for what the command line and the window give, against every
bound :class:`Limits` knows; ``explorer.core.param_checks``) and :func:`to_json` its form in a
description. Bounds not known yet (z_dim before a model is loaded) are left for a later
check that knows them.

Kinds
-----
float     a finite number (within float32)        positive  a number > 0
int       a whole number (``low`` .. ``high``)     axis      a principal axis, 0..z_dim-1
index     a data set image, 0..images-1           range     a pair ``(low, high)``, low < high
choice    one of ``choices``                      vector    ``z_dim`` finite numbers
dims      latent components ``2,5`` (each < z_dim) axes      principal axes ``0,1``
indices   data set images ``10,20``               base      ``mean``, ``origin`` or ``index:N``
name      one label or attribute name (``3``, ``Smiling``), matched against the data later
bool      on or off (a check box, a switch flag)  ints      whole numbers ``32,64,128``
strs      names ``same,valid``                    dataset   a built-in data set or a path
path      a folder, as text

``dims``, ``axes``, ``indices`` and ``name`` may be left empty (``None``: not given); such a
list holds no repeats.

A ``vector`` with ``image_index`` set is given as a data set image index instead (key
``NAME_index``, flag ``--NAME-index``): the sampler gets that image's z-vector.

A number's field is a spin box when the declaration gives its ``spin`` range, else a text
field that the declaration reads and checks.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from explorer.core.errors import InvalidParameter
from explorer.core.param_checks import CHECKS
from explorer.core.ranges import format_range, parse_range

KINDS = tuple(CHECKS)
LISTS = ("dims", "axes", "indices", "ints")  # whole numbers, comma-separated
_SEPARATORS = re.compile(r"[,;\s]+")


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
    """One parameter of a sampler or a map method, or one training option.

    ``name`` is the keyword (a sampler's, a map method's, a :class:`TrainConfig` field's) and
    the description's key; ``label`` and ``widget`` (objectName) make its field in the
    window, ``help`` its tool tip and flag help. ``low`` and ``high`` bound a number
    (inclusive unless ``*_open``); ``high`` may be ``"points"`` (the encoded data's size).
    ``alias`` names an extra flag that sets every parameter with that alias (``--range``:
    both ranges of the 2-D grid); ``sweep`` the LO:HI:STEP the quality sweep offers for it.

    The training options' declarations (:func:`param_field`) say more: the form's group
    (``section``), a choice's item texts (``labels``), a spin box (``spin``, ``step``,
    ``decimals``, ``special``: its text at the minimum, ``none_at_minimum``), a text field's
    ``placeholder``, and how a training uses and records it (``architecture``: overrides
    the preset; ``per_layer``; ``vae_only``; ``on_resume``: applies when resuming;
    ``keep``: not given, a resume keeps the recorded value; ``record``: the ``meta.json``
    sections that record it, ``""`` its top level).
    """

    name: str = ""
    kind: str = "float"
    default: Any = None
    help: str = ""
    label: str = ""
    widget: str = ""
    low: float | None = None
    high: float | str | None = None
    choices: tuple = ()
    image_index: int | None = None  # given as this data set image (the window's first value)
    alias: str = ""
    sweep: str = ""  # LO:HI:STEP the quality sweep offers for it (else one around its value)
    low_open: bool = False  # value > low
    high_open: bool = False  # value < high
    strict: bool = True  # a choice: the parser refuses others (False: the core's check names them)
    labels: tuple[tuple[str, str], ...] = ()  # a choice's items (value, text), in their order
    metavar: str | None = None
    spin: tuple = ()  # a number's spin box: (minimum, maximum); none: a text field
    step: float = 1
    decimals: int = 2
    special: str = ""
    none_at_minimum: bool = False
    placeholder: str = ""
    section: str = "data"
    architecture: bool = False
    per_layer: bool = False
    vae_only: bool = False
    on_resume: bool = False
    keep: bool = False
    record: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: unknown kind {self.kind!r}")
        if (self.kind == "choice") != bool(self.choices) and self.kind != "dataset":
            raise ValueError(f"{self.name}: choices go with kind 'choice' (or 'dataset') only")
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
    def items(self) -> tuple[tuple[Any, str], ...]:
        """A choice's (value, text) pairs in their order."""
        return self.labels or tuple((c, str(c)) for c in self.choices)

    @property
    def text_default(self) -> str:
        """The default as the window's text field shows it."""
        if self.image_index is not None:
            return str(self.image_index)
        return self.format(self.default)

    def format(self, value: Any) -> str:
        """The text of ``value`` in a text field or a flag (the inverse of :meth:`read`)."""
        if value is None:
            return ""
        if self.kind == "range":
            return format_range(value, ":")
        if self.kind in LISTS or self.kind == "strs":
            return ",".join(str(v) for v in value)
        return str(value)

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
                values = [int(v) for v in _SEPARATORS.split(text) if v]
            except ValueError:
                raise InvalidParameter(
                    f"{what} must be whole numbers separated by commas such as 2,5, got {text!r}."
                ) from None
            return values or None
        if form == "strs":
            return [v for v in _SEPARATORS.split(text) if v] or None
        if form == "name":
            return text or None
        if form == "vector":
            try:
                return [float(v) for v in _SEPARATORS.split(text) if v]
            except ValueError:
                raise InvalidParameter(f"{what} must be numbers separated by commas.") from None
        if form == "bool":
            if text.lower() in ("1", "true", "yes", "on"):
                return True
            if text.lower() in ("0", "false", "no", "off"):
                return False
            raise InvalidParameter(f"{what} must be on or off (true or false), got {text!r}.")
        return text

    def check(self, value: Any, limits: Limits = Limits(), what: str | None = None) -> Any:
        """The value (of :attr:`kind`) checked against every bound ``limits`` knows."""
        return CHECKS[self.kind](self, what or self.name, value, limits)

    def check_given(self, value: Any, limits: Limits = Limits(), what: str | None = None) -> Any:
        """A value as the command line or the window gives it (of :attr:`form`: an image
        index for a vector given by index), checked likewise."""
        return CHECKS[self.form](self, what or self.key, value, limits)

    def parse(self, text: str, limits: Limits = Limits(), what: str | None = None) -> Any:
        """:meth:`read` then :meth:`check_given`: one field of the window."""
        return self.check_given(self.read(text, what), limits, what)

    def upper(self, limits: Limits) -> float | None:
        if isinstance(self.high, str):
            return getattr(limits, self.high)
        return self.high

    def allowed(self) -> str:
        """What values it takes, for listings: ``(>0)``, ``(0..z_dim-1)``, ``(diag|full)``."""
        high = "data points" if self.high == "points" else self.high
        low = 0 if self.low is None else self.low
        return {
            "positive": "(>0)",
            "int": f"({low}..{high})" if high is not None else f"(>={low})",
            "axis": "(0..z_dim-1)",
            "index": "(image 0..images-1)",
            "range": "(low<high)",
            "choice": f"({'|'.join(str(c) for c in self.choices)})",
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


PARAM_KEY = "param"  # where a dataclass field's metadata holds its declaration


def param_field(default: Any, **spec: Any) -> Any:
    """A dataclass field declared as a parameter (a :class:`TrainConfig` option); its
    ``name`` and ``default`` are filled in by :func:`declared`."""
    return field(default=default, metadata={PARAM_KEY: Param(**spec)})


def declared(cls: type) -> tuple[Param, ...]:
    """The declarations of a dataclass's :func:`param_field` fields, in their order."""
    return tuple(
        dataclasses.replace(f.metadata[PARAM_KEY], name=f.name, default=f.default)
        for f in dataclasses.fields(cls)
        if PARAM_KEY in f.metadata
    )


def to_json(value: Any) -> Any:
    """A checked value as the description holds it (vectors and ranges as lists)."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, tuple):
        return list(value)
    return value
