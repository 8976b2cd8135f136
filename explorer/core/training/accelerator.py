"""The accelerator settings of a training, resolved for this machine: mixed precision
policy, XLA, steps per execution and training images held on the device.

:func:`resolve` turns the options of a :class:`~explorer.core.training.train_options.TrainConfig`
(``None``: not given) into an :class:`Accelerator`; :func:`dtype_policy` builds or loads a
model under the mixed policy without leaking it into the other models of the process;
:func:`optimizer_for` wraps the optimizer in a ``LossScaleOptimizer`` for ``mixed_float16``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from explorer.core.runtime.tf_setup import (
    default_steps_per_execution,
    free_device_memory,
    keras,
    mixed_policy_name,
)

if TYPE_CHECKING:
    from explorer.core.training.train_options import TrainConfig

# The device cache is used when the training set takes at most this share of the free
# memory: the model, its activations and the optimizer need the rest.
DEVICE_CACHE_SHARE = 0.5


@dataclass
class Accelerator:
    """How a training runs on its device (what the device line says)."""

    policy: str = "float32"  # the Keras dtype policy the model is built under
    jit_compile: bool = False
    steps_per_execution: int = 1
    cache_on_device: bool = False  # the training images are on the device (it fitted)
    cache_bytes: int = 0
    tensorboard: str | None = None
    note: str = ""  # why the device cache is not used, when it was asked for

    def describe(self) -> str:
        """``float32, 1 step per execution`` / ``mixed_bfloat16, XLA, 32 steps per
        execution, training images on the device (60.2 MB)``."""
        parts = [self.policy]
        if self.jit_compile:
            parts.append("XLA")
        n = self.steps_per_execution
        parts.append(f"{n} step{'s' if n != 1 else ''} per execution")
        if self.cache_on_device:
            parts.append(f"training images on the device ({format_bytes(self.cache_bytes)})")
        return ", ".join(parts)

    def record(self, device: str) -> dict[str, Any]:
        """What ``meta.json`` says ran (``training.accelerator``)."""
        return {
            "device": device,
            "dtype_policy": self.policy,
            "jit_compile": self.jit_compile,
            "steps_per_execution": self.steps_per_execution,
            "cache_on_device": self.cache_on_device,
        }


def resolve(config: TrainConfig) -> Accelerator:
    """The settings of ``config`` on this machine (the device cache is decided later, by
    :func:`fits_on_device`, once the data set is open)."""
    return Accelerator(
        policy=mixed_policy_name() if config.mixed_precision else "float32",
        jit_compile=bool(config.jit_compile),
        steps_per_execution=int(config.steps_per_execution or default_steps_per_execution()),
        tensorboard=config.tensorboard or None,
    )


def fits_on_device(nbytes: int) -> tuple[bool, str]:
    """``(fits, message)``: whether a training set of ``nbytes`` may be held on the device,
    and a one-line message saying so (or why not)."""
    free, device = free_device_memory()
    size = format_bytes(nbytes)
    if free is None:
        return True, f"training images on {device}: {size} (free memory unknown)"
    if nbytes <= DEVICE_CACHE_SHARE * free:
        return True, f"training images on {device}: {size} of {format_bytes(free)} free"
    return False, (
        f"--cache-on-device: the training images ({size}) do not fit in half of the free "
        f"memory of {device} ({format_bytes(free)}); streaming them instead"
    )


@contextlib.contextmanager
def dtype_policy(name: str) -> Iterator[None]:
    """Keras' global dtype policy set to ``name`` while building or loading a model, and the
    previous one restored after (the policy is global: other models in the process must not
    be built under it)."""
    k = keras()
    previous = k.config.dtype_policy()
    if name == previous.name:
        yield
        return
    k.config.set_dtype_policy(name)
    try:
        yield
    finally:
        k.config.set_dtype_policy(previous)


def optimizer_for(optimizer: Any, policy: str) -> Any:  # keras optimizers
    """``optimizer`` wrapped in a ``LossScaleOptimizer`` under ``mixed_float16`` (unwrapped
    otherwise), so a resume may change the policy."""
    k = keras()
    lso = k.optimizers.LossScaleOptimizer
    if policy == "mixed_float16":
        return optimizer if isinstance(optimizer, lso) else lso(optimizer)
    return optimizer.inner_optimizer if isinstance(optimizer, lso) else optimizer


def format_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"
