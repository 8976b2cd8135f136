"""Import TensorFlow/Keras once, lazily, with GPU memory growth and quiet logs."""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import os
import sys
from collections.abc import Iterable, Iterator
from functools import lru_cache
from types import ModuleType

from explorer.core.util import heap


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


# TensorFlow's own shared libraries (about 1.2 GB on Linux), loaded as dependencies of its
# first extension module.
_SHARED_LIBRARIES = ("libtensorflow_framework.so.2", "libtensorflow_cc.so.2")


def preload_shared_libraries() -> list[str]:
    """Load TensorFlow's big shared libraries without holding the GIL; return their names.

    ``import tensorflow`` maps and relocates about 1.2 GB of libraries inside one
    ``dlopen`` made by the import machinery, which holds the GIL for 0.3-0.4 s: the window's
    event loop stalls although the import runs in a worker thread. A ``dlopen`` called
    through ctypes releases the GIL like any foreign call, and the import then finds the
    libraries loaded. Same flags as the import's own first load (``RTLD_NOW``, local: a
    global load would let TensorFlow's bundled BoringSSL shadow OpenSSL for ``hashlib``),
    and ``hashlib``/``ssl`` are imported first, as ``tensorflow.python.pywrap_tensorflow``
    does for the same reason. Linux only; anything missing is left to the import, which
    reports it. ``LATENT_EXPLORER_TF_PRELOAD=0`` switches it off.
    """
    if not sys.platform.startswith("linux") or os.environ.get("LATENT_EXPLORER_TF_PRELOAD") == "0":
        return []
    spec = importlib.util.find_spec("tensorflow")  # finds the package without importing it
    if spec is None or spec.origin is None:
        return []
    import hashlib  # noqa: F401 - OpenSSL first (see above)
    import ssl  # noqa: F401

    libc = ctypes.CDLL(None)
    libc.dlopen.restype = ctypes.c_void_p
    libc.dlopen.argtypes = [ctypes.c_char_p, ctypes.c_int]
    loaded = []
    for name in _SHARED_LIBRARIES:
        path = os.path.join(os.path.dirname(spec.origin), name)
        if os.path.exists(path) and libc.dlopen(os.fsencode(path), os.RTLD_NOW):
            loaded.append(name)  # the handle stays open for the life of the process
    return loaded


# Extension modules whose initialisation holds the GIL for long (measured with
# ``python -X importtime``, 2-core machine): ml_dtypes registers a dozen NumPy dtypes and all
# their casts in 0.48 s. TensorFlow imports it first thing.
GIL_BOUND_MODULES = ("ml_dtypes",)


def import_gil_bound_modules() -> list[str]:
    """Import :data:`GIL_BOUND_MODULES` here and now; return the names imported.

    The window calls this before it appears: done later, in a model thread beside the
    event loop, the import would freeze the window for half a second (no other thread runs
    while an extension module initialises). Cheap when TensorFlow is not installed (the
    modules are then missing and skipped)."""
    done = []
    for name in GIL_BOUND_MODULES:
        if name in sys.modules or importlib.util.find_spec(name) is not None:
            importlib.import_module(name)
            done.append(name)
    return done


# Modules imported together with Keras, inside the same :func:`heap.paused` (see
# :func:`import_with_keras`).
_WITH_KERAS: list[str] = []


def import_with_keras(names: Iterable[str]) -> None:
    """Import ``names`` right after Keras, the first time Keras is imported.

    Whatever is alive when Keras' import ends is frozen for good (:mod:`heap`): modules
    imported then are never walked by a full collection, while modules imported later (as a
    first use needs them) add their objects to every full collection, on whatever thread
    triggers it. Only a moment when no model exists yet may freeze (a frozen model is never
    collected), so the window names the libraries its analyses use here, before its first
    load. Once Keras is imported this only records the names (they load on first use)."""
    _WITH_KERAS.extend(n for n in names if n not in _WITH_KERAS)


@lru_cache(maxsize=1)
def keras() -> ModuleType:
    """Return the ``keras`` module (TensorFlow backend), configuring TensorFlow first; the
    modules named by :func:`import_with_keras` are imported with it."""
    with heap.paused():  # TensorFlow and Keras stay loaded: keep collections out of the way
        tensorflow()
        import keras as _keras

        for name in _WITH_KERAS:
            if importlib.util.find_spec(name.partition(".")[0]) is not None:
                importlib.import_module(name)
    return _keras


@lru_cache(maxsize=1)
def tensorflow() -> ModuleType:
    """Return ``tensorflow`` after enabling memory growth on every GPU."""
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with _quiet_stderr(), heap.paused():
        if "tensorflow" not in sys.modules:
            preload_shared_libraries()
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


def has_gpu() -> bool:
    """True if TensorFlow sees a GPU."""
    return bool(tensorflow().config.list_physical_devices("GPU"))


def mixed_policy_name() -> str:
    """The Keras mixed precision policy for this machine: ``mixed_bfloat16`` on CPUs and on
    GPUs that compute in bfloat16 (compute capability 8.0 and later: A100, H100, RTX 30xx
    ...), ``mixed_float16`` (with loss scaling) when a GPU is older."""
    tf = tensorflow()
    for gpu in tf.config.list_physical_devices("GPU"):
        try:
            cc = tf.config.experimental.get_device_details(gpu).get("compute_capability")
        except Exception:  # noqa: BLE001 - details are best effort
            cc = None
        if cc is None or tuple(cc) < (8, 0):
            return "mixed_float16"
    return "mixed_bfloat16"


def default_steps_per_execution() -> int:
    """Batches per call of the compiled training step: 32 on a GPU (fewer launches and host
    round trips), 1 on the CPU (nothing to gain; progress and cancel stay per batch)."""
    return 32 if has_gpu() else 1


def free_device_memory() -> tuple[int | None, str]:
    """``(bytes free, device)`` of the device training runs on: the first GPU's memory
    limit less what TensorFlow holds there, else the host's available RAM (``MemAvailable``
    of ``/proc/meminfo``, or ``sysconf``). ``None`` when it cannot be told."""
    tf = tensorflow()
    gpus = tf.config.list_logical_devices("GPU")
    if gpus:
        try:
            from tensorflow.python.client import device_lib

            limit = next(
                int(d.memory_limit)
                for d in device_lib.list_local_devices()
                if d.device_type == "GPU"
            )
            used = int(tf.config.experimental.get_memory_info(gpus[0].name)["current"])
            return max(0, limit - used), gpus[0].name
        except Exception:  # noqa: BLE001 - not every build reports it
            return None, gpus[0].name
    return _available_ram(), "CPU"


def _available_ram() -> int | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None
