"""Import TensorFlow/Keras once, lazily, with GPU memory growth and quiet logs."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from functools import lru_cache
from types import ModuleType

from explorer.core import heap


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence the C++ start-up chatter TensorFlow writes straight to file descriptor 2.

    TensorFlow >= 2.18 logs through absl before ``TF_CPP_MIN_LOG_LEVEL`` is read, so the
    environment variable alone does not help. ``LATENT_EXPLORER_TF_LOGS=1`` keeps the logs.
    """
    if os.environ.get("LATENT_EXPLORER_TF_LOGS") == "1":
        yield
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


@lru_cache(maxsize=1)
def keras() -> ModuleType:
    """Return the ``keras`` module (TensorFlow backend), configuring TensorFlow first."""
    with heap.paused():  # TensorFlow and Keras stay loaded: keep collections out of the way
        tensorflow()
        import keras as _keras

    return _keras


@lru_cache(maxsize=1)
def tensorflow() -> ModuleType:
    """Return ``tensorflow`` after enabling memory growth on every GPU."""
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with _quiet_stderr(), heap.paused():
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:
        with contextlib.suppress(RuntimeError):  # already initialised elsewhere: leave it
            tf.config.experimental.set_memory_growth(gpu, True)
    return tf


def device_description() -> str:
    """``"GPU: name, name"`` for the GPUs TensorFlow sees, else ``"CPU"``."""
    tf = tensorflow()
    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return "CPU"
    names = []
    for gpu in gpus:
        try:
            names.append(
                tf.config.experimental.get_device_details(gpu).get("device_name", gpu.name)
            )
        except Exception:  # noqa: BLE001 - details are best effort
            names.append(gpu.name)
    return "GPU: " + ", ".join(names)
