"""How one training option is declared (:class:`Option`): its type, check, widget hints,
flag and where ``meta.json`` records it. :func:`option` makes a
:class:`~explorer.core.training.train_options.TrainConfig` field of one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from explorer.core.errors import InvalidParameter
from explorer.core.ranges import check_range, format_range, parse_range


@dataclass(frozen=True)
class Option:
    """How one training option is typed, checked, shown and recorded.

    ``kind``: ``choice``, ``int``, ``float``, ``bool``, ``ints`` / ``strs`` (comma-separated
    lists), ``range`` (``LO:HI``), ``dataset`` (a built-in name or a path) or ``path`` (a
    folder, as text).
    """

    kind: str
    help: str = ""  # the flag's help and the widget's tooltip
    label: str = ""  # the form's row label (a check box's text); also the name in messages
    widget: str = ""  # objectName of the form's widget
    section: str = "data"  # the form's group: "model" or "data"
    architecture: bool = False  # overrides the preset (None: the preset's value)
    choices: tuple = ()
    labels: tuple[tuple[str, str], ...] = ()  # the form's items (value, text), in its order
    strict: bool = True  # the parser refuses other choices (False: the core's check names them)
    metavar: str | None = None
    low: float | None = None  # checked: value >= low (> low with low_open)
    low_open: bool = False
    high: float | None = None  # checked: value < high
    spin: tuple = ()  # the form's spin box: (minimum, maximum)
    step: float = 1  # the spin box's step
    decimals: int = 2  # a float spin box's decimals
    special: str = ""  # the spin box's text at its minimum
    none_at_minimum: bool = False  # the spin box's minimum means None (the default)
    placeholder: str = ""  # a text field's hint when empty (empty: the default)
    per_layer: bool = False  # a list with one value per layer, or one value for every layer
    vae_only: bool = False  # the form disables it for an AE
    on_resume: bool = False  # also applies when resuming a bundle
    keep: bool = False  # None (not given): a resume keeps the value the bundle recorded
    record: tuple[str, ...] = ()  # meta.json sections that record it ("": the top level)
    name: str = ""  # the field's name (filled in from the dataclass)
    default: Any = None  # the field's default (filled in from the dataclass)

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def items(self) -> tuple[tuple[Any, str], ...]:
        """A choice's (value, text) pairs in the form's order."""
        return self.labels or tuple((c, str(c)) for c in self.choices)

    def check(self, value: Any) -> None:
        """Raise :class:`InvalidParameter` (one sentence) for a value out of its range."""
        if value is None:
            return
        if self.kind == "range":
            check_range(value, self.label)
            return
        low_ok = self.low is None or (value > self.low if self.low_open else value >= self.low)
        if low_ok and (self.high is None or value < self.high):
            return
        if self.high is not None:
            raise InvalidParameter(
                f"{self.label} must be in [{self.low}, {self.high}), got {value}"
            )
        raise InvalidParameter(
            f"{self.label} must be {'>' if self.low_open else '>='} {self.low}, got {value}"
        )

    def parse(self, text: str) -> Any:
        """The value of a flag's argument or a text field (lists, ranges, data sets)."""
        if self.kind == "ints":
            return _int_list(text)
        if self.kind == "strs":
            return [v.strip() for v in text.replace(";", ",").split(",") if v.strip()]
        if self.kind == "range":
            return parse_range(text)
        return text

    def format(self, value: Any) -> str:
        """The text of ``value`` in a text field (the inverse of :meth:`parse`)."""
        if value is None:
            return ""
        if self.kind in ("ints", "strs"):
            return ",".join(str(v) for v in value)
        if self.kind == "range":
            return format_range(value, ":")
        return str(value)


def _int_list(text: str) -> list[int]:
    """``"32, 64,128"`` -> ``[32, 64, 128]`` (``;`` works too)."""
    try:
        return [int(v) for v in text.replace(";", ",").split(",") if v.strip()]
    except ValueError:
        raise InvalidParameter(f"expected comma-separated integers, got {text!r}") from None


OPTION_KEY = "option"  # where a field's metadata holds its Option


def option(default: Any, **spec: Any) -> Any:
    """A :class:`TrainConfig` field declared as a training option (see :class:`Option`)."""
    return field(default=default, metadata={OPTION_KEY: Option(**spec)})
