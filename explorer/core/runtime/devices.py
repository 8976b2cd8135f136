"""Which devices training runs on: a ``MirroredStrategy`` over several GPUs, logical CPU
devices for tests, and a one-line description for the window and the CLI.

Qt-free, and TensorFlow is imported only when a function is called.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from explorer.core.errors import ExplorerError, InvalidParameter


def strategy_for(devices: str | Sequence[str] | None = "auto") -> Any:
    """A ``tf.distribute.Strategy`` for training, or ``None`` for the default device.

    Parameters
    ----------
    devices
        ``"auto"``: a ``MirroredStrategy`` over all GPUs when TensorFlow sees more than one,
        else ``None`` (one GPU or the CPU need no strategy). ``None``/``"default"``: ``None``.
        A list of device names (``["/gpu:0", "/gpu:1"]``, or logical CPUs
        ``["/cpu:0", "/cpu:1"]`` after :func:`configure_logical_cpus`): a ``MirroredStrategy``
        over exactly those.
    """
    if devices is None or devices == "default":
        return None
    from explorer.core.runtime.tf_setup import tensorflow

    tf = tensorflow()
    if isinstance(devices, str):
        if devices != "auto":
            raise InvalidParameter(
                f"devices must be 'auto', 'default' or a list of device names, got {devices!r}"
            )
        gpus = tf.config.list_logical_devices("GPU")
        if len(gpus) > 1:
            return tf.distribute.MirroredStrategy([g.name for g in gpus])
        return None
    names = [str(d) for d in devices]
    if not names:
        raise InvalidParameter("no devices given for the training strategy")
    known = {_short_name(d.name) for d in tf.config.list_logical_devices()}
    missing = [n for n in names if _short_name(n) not in known]
    if missing:
        raise InvalidParameter(
            f"TensorFlow does not see the device(s) {', '.join(missing)}; "
            f"it sees {', '.join(sorted(known))}"
        )
    return tf.distribute.MirroredStrategy(names)


def _short_name(name: str) -> str:
    """``"/job:localhost/replica:0/task:0/device:GPU:0"``, ``"/device:GPU:0"`` and ``"/gpu:0"``
    all give ``"gpu:0"``."""
    last = name.lower().rstrip("/").rsplit("/", 1)[-1]
    return last.removeprefix("device:")


def configure_logical_cpus(n: int) -> list[str]:
    """Split the CPU into ``n`` logical devices and return their names.

    For tests and benchmarks of multi-device training on a machine without GPUs. It must run
    before TensorFlow initialises its devices, i.e. before any tensor, model or
    ``list_logical_devices`` call in the process; otherwise :class:`ExplorerError` is raised
    (run it first thing in a fresh process, e.g. a subprocess).
    """
    if n < 1:
        raise InvalidParameter(f"the number of logical CPUs must be >= 1, got {n}")
    from explorer.core.runtime.tf_setup import tensorflow

    tf = tensorflow()
    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(n)]
        )
    except RuntimeError as exc:
        raise ExplorerError(
            "cannot split the CPU into logical devices: TensorFlow has already initialised "
            "its devices in this process (call configure_logical_cpus first)"
        ) from exc
    return [d.name for d in tf.config.list_logical_devices("CPU")]
