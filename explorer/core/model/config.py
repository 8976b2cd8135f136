"""Architecture and model configuration, and the presets from the seeds."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from explorer.core.errors import InvalidParameter

ACTIVATIONS = ("leaky_relu", "relu", "selu")
RECONSTRUCTION_LOSSES = ("bce", "mse")
KINDS = ("ae", "vae")


@dataclass
class Architecture:
    """A convolutional encoder; the decoder mirrors it and ends in a sigmoid.

    Per-layer lists (``filters``, ``kernel_sizes``, ``strides``, ``padding``) have one entry
    per Conv2D layer of the encoder.
    """

    input_shape: tuple[int, int, int] = (28, 28, 1)
    filters: list[int] = field(default_factory=lambda: [32, 64, 128])
    kernel_sizes: list[int] = field(default_factory=lambda: [3, 3, 3])
    strides: list[int] = field(default_factory=lambda: [1, 2, 2])
    padding: list[str] = field(default_factory=lambda: ["same", "same", "same"])
    activation: str = "leaky_relu"
    batch_norm: bool = False
    dropout: float = 0.0
    dense_units: int = 0
    z_dim: int = 16

    def __post_init__(self) -> None:
        self.input_shape = tuple(int(v) for v in self.input_shape)  # type: ignore[assignment]
        self.filters = [int(v) for v in self.filters]
        n = len(self.filters)
        self.kernel_sizes = _per_layer(self.kernel_sizes, n, "kernel_sizes")
        self.strides = _per_layer(self.strides, n, "strides")
        self.padding = [str(p) for p in _per_layer(self.padding, n, "padding")]

    def validate(self) -> None:
        """Raise :class:`InvalidParameter` with one sentence for an unusable architecture."""
        if len(self.input_shape) != 3 or min(self.input_shape) < 1:
            raise InvalidParameter(
                f"input shape must be (height, width, channels), got {self.input_shape}"
            )
        if not self.filters:
            raise InvalidParameter("the encoder needs at least one Conv2D layer (filters)")
        if any(f < 1 for f in self.filters):
            raise InvalidParameter(f"filters must be positive, got {self.filters}")
        if any(k < 1 for k in self.kernel_sizes):
            raise InvalidParameter(f"kernel sizes must be positive, got {self.kernel_sizes}")
        if any(s < 1 for s in self.strides):
            raise InvalidParameter(f"strides must be positive, got {self.strides}")
        if any(p not in ("same", "valid") for p in self.padding):
            raise InvalidParameter(f"padding must be 'same' or 'valid', got {self.padding}")
        if any(p != "same" for p in self.padding):
            raise InvalidParameter(
                "only 'same' padding lets the decoder mirror the encoder exactly; "
                f"got {self.padding}"
            )
        if self.activation not in ACTIVATIONS:
            raise InvalidParameter(
                f"activation must be one of {', '.join(ACTIVATIONS)}, got {self.activation!r}"
            )
        if not 0.0 <= self.dropout < 1.0:
            raise InvalidParameter(f"dropout must be in [0, 1), got {self.dropout}")
        if self.dense_units < 0:
            raise InvalidParameter(f"dense units must be >= 0, got {self.dense_units}")
        if self.z_dim < 1:
            raise InvalidParameter(f"z_dim must be >= 1, got {self.z_dim}")
        total = math.prod(self.strides)
        h, w, _ = self.input_shape
        if h % total or w % total:
            raise InvalidParameter(
                f"the strides {self.strides} reduce the image by {total}, which does not divide "
                f"the image size {h}x{w}; the decoder could not mirror the encoder"
            )

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["input_shape"] = list(self.input_shape)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Architecture:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise InvalidParameter(f"unknown architecture options: {', '.join(sorted(unknown))}")
        return cls(**d)


def _per_layer(value: Any, n: int, name: str) -> list:
    if isinstance(value, (int, str)):
        return [value] * n
    value = list(value)
    if len(value) == 1:
        return value * n
    if len(value) != n:
        raise InvalidParameter(f"{name} needs one value or one per layer ({n}), got {len(value)}")
    return value


def _fit_layers(values: list, n: int, pad: Any) -> list:
    """Adapt a preset's per-layer list to ``n`` layers: keep the last ``n`` entries (the
    down-sampling ones), or put ``pad`` in front."""
    if len(values) >= n:
        return list(values[len(values) - n :])
    return [pad] * (n - len(values)) + list(values)


def _celeba(side: int) -> Architecture:
    """The CelebA architecture of the seeds at ``side`` x ``side`` pixels."""
    return Architecture(
        input_shape=(side, side, 3),
        filters=[32, 64, 128, 256],
        kernel_sizes=[3, 3, 3, 3],
        strides=[2, 2, 2, 2],
        padding=["same"] * 4,
        z_dim=256,
    )


PRESETS: dict[str, Architecture] = {
    "mnist": Architecture(),
    "celeba96": _celeba(96),
    "celeba64": _celeba(64),
}


def preset(name: str, **overrides: Any) -> Architecture:
    """Return a copy of preset ``name`` with ``overrides`` applied (``None`` values ignored)."""
    if name not in PRESETS:
        raise InvalidParameter(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    d = PRESETS[name].to_dict()
    given = {k: v for k, v in overrides.items() if v is not None}
    d.update(given)
    n = len(d["filters"])
    for key in ("kernel_sizes", "strides", "padding"):
        if key not in given:
            d[key] = _fit_layers(d[key], n, 1 if key == "strides" else d[key][0])
    arch = Architecture.from_dict(d)
    arch.validate()
    return arch


@dataclass
class ModelConfig:
    """Everything needed to build an AE or VAE (architecture plus loss settings)."""

    kind: str = "vae"
    architecture: Architecture = field(default_factory=Architecture)
    kl_weight: float = 1.0
    eps_clip: float = 5.0
    reconstruction: str = "bce"

    def validate(self) -> None:
        if self.kind not in KINDS:
            raise InvalidParameter(f"kind must be 'ae' or 'vae', got {self.kind!r}")
        if self.reconstruction not in RECONSTRUCTION_LOSSES:
            raise InvalidParameter(
                f"reconstruction loss must be 'bce' or 'mse', got {self.reconstruction!r}"
            )
        if self.kl_weight < 0:
            raise InvalidParameter(f"kl_weight must be >= 0, got {self.kl_weight}")
        if self.eps_clip <= 0:
            raise InvalidParameter(f"eps clip must be > 0, got {self.eps_clip}")
        self.architecture.validate()
