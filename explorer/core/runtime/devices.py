"""Which devices training runs on: a ``MirroredStrategy`` over several GPUs, logical CPU
devices for tests, and a one-line description for the window and the CLI.

Qt-free, and TensorFlow is imported only when a function is called.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from explorer.core.errors import ExplorerError, InvalidParameter


def strategy_for(devices: str | Sequence[str] | None = "auto") -> Any:
    """A ``tf.distribute.Strategy`` for training, or ``None`` for the default device.

    Parameters
    ----------
    devices
        A strategy's name (``train --strategy``, :data:`~explorer.core.runtime.cluster.STRATEGIES`):
        ``"auto"``: a ``MirroredStrategy`` over all GPUs when TensorFlow sees more than one,
        else ``None`` (one GPU or the CPU need no strategy); ``"one-device"``: ``None``;
        ``"mirrored"``: a ``MirroredStrategy`` over every GPU (the CPU when there is none);
        ``"multi-worker"``: a ``MultiWorkerMirroredStrategy`` of the cluster in ``TF_CONFIG``
        (see :mod:`explorer.core.runtime.cluster`; create it before any other TensorFlow work
        in the process). ``None``/``"default"``: ``None``. A list of device names
        (``["/gpu:0", "/gpu:1"]``, or logical CPUs ``["/cpu:0", "/cpu:1"]`` after
        :func:`configure_logical_cpus`): a ``MirroredStrategy`` over exactly those.
    """
    if devices is None or devices in ("default", "one-device"):
        return None
    from explorer.core.runtime.tf_setup import tensorflow

    tf = tensorflow()
    if isinstance(devices, str):
        if devices == "multi-worker":
            return multi_worker_strategy()
        if devices not in ("auto", "mirrored"):
            raise InvalidParameter(
                f"the strategy must be auto, one-device, mirrored, multi-worker or a list of "
                f"device names, got {devices!r}"
            )
        gpus = tf.config.list_logical_devices("GPU")
        if len(gpus) > 1 or (devices == "mirrored" and gpus):
            return tf.distribute.MirroredStrategy([g.name for g in gpus])
        if devices == "mirrored":
            return tf.distribute.MirroredStrategy(["/cpu:0"])
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


def multi_worker_strategy() -> Any:
    """TensorFlow's ``MultiWorkerMirroredStrategy`` for the cluster in ``TF_CONFIG`` (checked
    first: one line when it is missing or malformed). Its collectives go over gRPC between
    the workers (NCCL between GPUs when TensorFlow picks it); it waits until every worker
    has started."""
    from explorer.core.runtime import cluster
    from explorer.core.runtime.keras_fixes import multi_worker_scalar_logs
    from explorer.core.runtime.tf_setup import tensorflow

    me = cluster.from_tf_config(os.environ.get(cluster.TF_CONFIG))
    tf = tensorflow()
    multi_worker_scalar_logs()
    try:
        return tf.distribute.MultiWorkerMirroredStrategy()
    except (RuntimeError, ValueError, tf.errors.OpError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        hint = (
            " (is the port free on this machine, and the address this machine's own?)"
            if "gRPC server" in reason
            else " (it must be made before any other TensorFlow work in the process)"
        )
        raise ExplorerError(
            f"{me.describe()}: cannot start the multi-worker strategy: {reason}{hint}"
        ) from exc


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
