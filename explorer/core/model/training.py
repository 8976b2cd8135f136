"""Train an AE or VAE into a model bundle: progress events, stop at the next batch, an atomic
checkpoint per epoch, resume, a clear stop on NaN loss, and a seed.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from explorer.core.data.dataset import split_indices
from explorer.core.data.pipeline import make_tf_dataset
from explorer.core.data.sources import open_dataset
from explorer.core.errors import ExplorerError, InvalidParameter, TrainingDiverged
from explorer.core.model import store
from explorer.core.model.config import Architecture, ModelConfig, preset
from explorer.core.progress import TaskState, ensure_state
from explorer.core.ranges import check_range
from explorer.core.util import atomic

Event = dict[str, Any]
LOSS_KEYS = ("total_loss", "reco_loss", "kl_loss")
ARCH_OPTIONS = (
    "filters",
    "kernel_sizes",
    "strides",
    "padding",
    "activation",
    "batch_norm",
    "dropout",
    "dense_units",
    "z_dim",
)


@dataclass
class TrainConfig:
    """Options of ``latent-explorer train`` (architecture options override the preset)."""

    out: str = ""
    kind: str = "vae"
    preset: str = "mnist"
    kl_weight: float = 1.0
    eps_clip: float = 5.0
    reconstruction: str = "bce"
    dataset: str = "mnist-5k"
    image_size: int | None = None
    max_images: int | None = None
    validation_split: float = 0.1
    data_range: tuple[float, float] | None = None  # float arrays: (LO, HI) mapped to [0, 1]
    epochs: int = 10
    batch_size: int = 128
    learning_rate: float = 5e-4
    seed: int = 0
    resume: bool = False
    overwrite: bool = False
    filters: list[int] | None = None
    kernel_sizes: list[int] | None = None
    strides: list[int] | None = None
    padding: list[str] | None = None
    activation: str | None = None
    batch_norm: bool | None = None
    dropout: float | None = None
    dense_units: int | None = None
    z_dim: int | None = None
    cache_decoded: bool = False  # folders: decode once into a memory-mapped uint8 cache

    @classmethod
    def from_options(cls, **options: Any) -> TrainConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(options) - known
        if unknown:
            raise InvalidParameter(f"unknown training options: {', '.join(sorted(unknown))}")
        return cls(**options)

    def architecture(self) -> Architecture:
        overrides = {k: getattr(self, k) for k in ARCH_OPTIONS}
        if self.image_size:
            c = preset(self.preset).input_shape[2]
            overrides["input_shape"] = (self.image_size, self.image_size, c)
        return preset(self.preset, **overrides)

    def model_config(self) -> ModelConfig:
        cfg = ModelConfig(
            kind=self.kind,
            architecture=self.architecture(),
            kl_weight=self.kl_weight,
            eps_clip=self.eps_clip,
            reconstruction=self.reconstruction,
        )
        cfg.validate()
        return cfg

    def validate(self) -> None:
        """Check everything that can be checked before any TensorFlow work."""
        if not self.out:
            raise InvalidParameter("no output bundle given (--out)")
        if self.epochs < 1:
            raise InvalidParameter(f"epochs must be >= 1, got {self.epochs}")
        if self.batch_size < 1:
            raise InvalidParameter(f"batch size must be >= 1, got {self.batch_size}")
        if not self.learning_rate > 0:
            raise InvalidParameter(f"learning rate must be > 0, got {self.learning_rate}")
        if self.max_images is not None and self.max_images < 2:
            raise InvalidParameter(f"max images must be >= 2, got {self.max_images}")
        if self.data_range is not None:
            check_range(self.data_range, "data range")
        if not 0.0 <= self.validation_split < 1.0:
            raise InvalidParameter(
                f"validation split must be in [0, 1), got {self.validation_split}"
            )
        out = Path(self.out)
        if self.resume:
            if not store.is_bundle(out):
                raise InvalidParameter(f"{out}: cannot resume, not a model bundle")
            _check_writable(out)
            return
        self.model_config()
        if out.exists():
            if not out.is_dir():
                raise InvalidParameter(f"{out}: exists and is a file; choose another output folder")
            if store.is_bundle(out):
                if not self.overwrite:
                    raise InvalidParameter(
                        f"{out}: a model bundle is already there; use --resume to continue it or --overwrite"
                    )
            elif any(out.iterdir()):
                raise InvalidParameter(f"{out}: exists, is not empty and is not a model bundle")
        _check_writable(out)


def _check_writable(out: Path) -> None:
    """Fail before training, not at the first checkpoint, when ``out`` cannot be written
    (tried by creating a file there or in its nearest existing parent)."""
    reason = atomic.unwritable_reason(out)
    if reason is not None:
        raise InvalidParameter(f"{out}: cannot write the model bundle there: {reason}")


class TrainingOutOfMemory(ExplorerError):
    """The device ran out of memory (``tf.errors.ResourceExhaustedError``) while training."""


@dataclass
class TrainResult:
    status: str  # "finished" or "cancelled"
    bundle: Path
    epochs_done: int
    history: list[dict[str, float]] = field(default_factory=list)


def train(
    config: TrainConfig,
    state: TaskState | None = None,
    on_event: Callable[[Event], None] | None = None,
    callbacks: list | None = None,
    strategy: Any = None,
) -> TrainResult:
    """Train ``config`` into the bundle ``config.out``.

    Events passed to ``on_event``: ``started``, ``batch`` (running epoch means and the batch's
    own losses, images/s), ``epoch`` (train and validation means, checkpoint written),
    ``finished``. ``state.request_stop()`` stops after the current batch and keeps the last
    complete epoch's checkpoint. A NaN/inf loss raises :class:`TrainingDiverged` after the
    same clean stop; running out of device memory raises :class:`TrainingOutOfMemory`.

    ``strategy`` (a ``tf.distribute.Strategy``, see :func:`explorer.core.runtime.devices.strategy_for`)
    builds, or on resume loads, the model inside ``strategy.scope()`` so ``fit`` runs on all
    its replicas; the batch size is the global one, split between the replicas.
    """
    config.validate()
    state = ensure_state(state)
    emit = on_event or (lambda event: None)
    from explorer.core.runtime.tf_setup import keras, tensorflow

    keras, tf = keras(), tensorflow()
    out = Path(config.out)
    scope = strategy.scope() if strategy is not None else _null_scope()
    if config.resume:
        meta = store.read_meta(out)
        with scope:
            model = store.load_keras_file(out / store.MODEL_FILE)
        data_meta = meta["dataset"]
        input_shape = tuple(meta["input_shape"])
        ds = open_dataset(
            data_meta["name"]
            if data_meta["name"] in ("mnist-5k", "mnist", "fashion-mnist")
            else data_meta["source"],
            input_shape,
            data_range=config.data_range or data_meta.get("data_range"),
        )
        data_meta["data_range"] = _recorded_range(ds)
        subset = _subset(len(ds), data_meta.get("max_images"), data_meta["seed"])
        train_idx, val_idx = _split(subset, data_meta["validation_split"], data_meta["seed"])
        epochs_done = int(meta["training"]["epochs_done"])
        history = list(meta.get("history", []))
        batch_size = int(meta["training"]["batch_size"])
        keras.utils.set_random_seed(int(meta["training"]["seed"]) + epochs_done)
    else:
        mcfg = config.model_config()
        input_shape = mcfg.architecture.input_shape
        ds = open_dataset(config.dataset, input_shape, data_range=config.data_range)
        subset = _subset(len(ds), config.max_images, config.seed)
        train_idx, val_idx = _split(subset, config.validation_split, config.seed)
        keras.utils.set_random_seed(config.seed)
        from explorer.core.model.nets import build_model

        with scope:
            model = build_model(mcfg)
            model.compile(optimizer=keras.optimizers.Adam(config.learning_rate))
        batch_size = config.batch_size
        epochs_done, history = 0, []
        meta = _initial_meta(config, mcfg, ds, train_idx, val_idx)
        out.mkdir(parents=True, exist_ok=True)
    if config.cache_decoded and ds.streamed:
        from explorer.core.data.decoded_cache import use_decoded_cache

        ds, train_idx, val_idx = use_decoded_cache(ds, train_idx, val_idx, state)
    target = epochs_done + config.epochs
    train_ds = make_tf_dataset(
        ds, batch_size, train_idx, shuffle=True, seed=int(meta["training"]["seed"]) + epochs_done
    )
    val_ds = make_tf_dataset(ds, batch_size, val_idx) if len(val_idx) else None
    steps = math.ceil(len(train_idx) / batch_size)
    watcher = _watcher_class()(state, emit, out, meta, history, val_ds, steps, batch_size, target)
    emit(
        {
            "type": "started",
            "bundle": str(out),
            "kind": meta["kind"],
            "epochs": target,
            "initial_epoch": epochs_done,
            "steps_per_epoch": steps,
            "n_train": len(train_idx),
            "n_val": len(val_idx),
            "device": _device_line(),
            "replicas": int(strategy.num_replicas_in_sync) if strategy is not None else 1,
            "data_note": ds.value_note,
        }
    )
    try:
        if not state.stop_requested:  # a stop asked for while setting up: skip fit entirely
            model.fit(
                train_ds,
                epochs=target,
                initial_epoch=epochs_done,
                verbose=0,
                shuffle=False,
                callbacks=[watcher, *(callbacks or [])],
            )
    except tf.errors.ResourceExhaustedError as exc:
        kept = (
            f"the checkpoint of epoch {watcher.epochs_done} is kept in {out}"
            if watcher.epochs_done
            else "no epoch had finished"
        )
        raise TrainingOutOfMemory(
            f"out of memory while training with batch size {batch_size} on {_device_line()}; "
            f"try a smaller batch size (or smaller images or layers); {kept}"
        ) from exc
    if watcher.diverged is not None:
        epoch, batch = watcher.diverged
        kept = (
            f"the checkpoint of epoch {watcher.epochs_done} is kept"
            if watcher.epochs_done
            else "no epoch had finished, nothing was saved"
        )
        raise TrainingDiverged(
            f"the loss became NaN or infinite at epoch {epoch + 1}, batch {batch + 1}; {kept} in {out}"
        )
    status = "cancelled" if state.stop_requested else "finished"
    emit(
        {
            "type": "finished",
            "status": status,
            "bundle": str(out),
            "epochs_done": watcher.epochs_done,
        }
    )
    return TrainResult(status, out, watcher.epochs_done, history)


class _null_scope:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _subset(n: int, max_images: int | None, seed: int) -> np.ndarray:
    if max_images is None or max_images >= n:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed + 1).permutation(n)[:max_images])


def _split(subset: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    tr, va = split_indices(len(subset), fraction, seed)
    return subset[tr], subset[va]


def _device_line() -> str:
    from explorer.core.runtime.tf_setup import device_description

    return device_description()


def _recorded_range(ds) -> list[float] | None:
    """The (LO, HI) a float array data set was mapped from, for meta.json (``None``: 8-bit)."""
    return [float(v) for v in ds.value_range] if ds.value_range is not None else None


def _initial_meta(config: TrainConfig, mcfg: ModelConfig, ds, train_idx, val_idx) -> dict[str, Any]:
    arch = mcfg.architecture
    now = store.now_iso()
    return {
        "format": 1,
        "kind": mcfg.kind,
        "architecture": arch.to_dict(),
        "input_shape": list(arch.input_shape),
        "z_dim": arch.z_dim,
        "kl_weight": mcfg.kl_weight,
        "eps_clip": mcfg.eps_clip,
        "reconstruction": mcfg.reconstruction,
        "preset": config.preset,
        "dataset": {
            "name": ds.name,
            "source": ds.source,
            "data_range": _recorded_range(ds),
            "n_images": len(ds),
            "max_images": config.max_images,
            "validation_split": config.validation_split,
            "seed": config.seed,
            "n_train": int(len(train_idx)),
            "n_val": int(len(val_idx)),
        },
        "training": {
            "epochs_done": 0,
            "batch_size": config.batch_size,
            "learning_rate": config.learning_rate,
            "seed": config.seed,
            "optimizer": "adam",
        },
        "history": [],
        "final": {},
        "versions": store.library_versions(),
        "created": now,
        "updated": now,
    }


@lru_cache(maxsize=1)
def _watcher_class() -> type:
    """The Keras callback class, defined on first use so that importing this module (to
    validate a :class:`TrainConfig` in the window) does not import TensorFlow."""
    from explorer.core.runtime.tf_setup import keras

    return type("_Watcher", (_Watcher, keras().callbacks.Callback), {})


class _Watcher:
    """Keras callback: events, stop requests, NaN checks, validation and checkpoints."""

    def __init__(self, state, emit, out, meta, history, val_ds, steps, batch_size, target) -> None:
        super().__init__()
        self.state, self.emit, self.out, self.meta = state, emit, out, meta
        self.history, self.val_ds, self.steps = history, val_ds, steps
        self.batch_size, self.target = batch_size, target
        self.epochs_done = int(meta["training"]["epochs_done"])
        self.diverged: tuple[int, int] | None = None
        self.epoch = 0
        self.t0 = time.perf_counter()

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
        self.t0 = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        logs = {k: float(v) for k, v in (logs or {}).items()}
        if not all(math.isfinite(logs.get(f"batch_{k}", 0.0)) for k in LOSS_KEYS):
            self.diverged = (self.epoch, batch)
            self.model.stop_training = True
            return
        elapsed = time.perf_counter() - self.t0
        done = batch + 1
        ips = done * self.batch_size / elapsed if elapsed > 0 else 0.0
        remaining_batches = (self.steps - done) + (self.target - self.epoch - 1) * self.steps
        self.emit(
            {
                "type": "batch",
                "epoch": self.epoch,
                "epochs": self.target,
                "batch": batch,
                "steps": self.steps,
                "logs": logs,
                "images_per_s": ips,
                "eta_s": remaining_batches * elapsed / done if done else 0.0,
            }
        )
        total_steps = self.steps * self.target
        self.state.set_progress(
            (self.epoch * self.steps + done) / total_steps,
            f"epoch {self.epoch + 1}/{self.target}, batch {done}/{self.steps}",
        )
        if self.state.stop_requested:
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        if self.diverged is not None or self.state.stop_requested:
            return  # an incomplete epoch is never checkpointed
        seconds = time.perf_counter() - self.t0
        row = {
            "epoch": epoch + 1,
            **{k: float((logs or {})[k]) for k in LOSS_KEYS if k in (logs or {})},
        }
        if self.val_ds is not None:
            val = self.model.evaluate(self.val_ds, verbose=0, return_dict=True)
            row.update({f"val_{k}": float(val[k]) for k in LOSS_KEYS if k in val})
        row["seconds"] = round(seconds, 3)
        if not all(math.isfinite(v) for k, v in row.items() if k.endswith("loss")):
            self.diverged = (epoch, self.steps - 1)
            self.model.stop_training = True
            return
        self.history.append(row)
        self.epochs_done = epoch + 1
        meta = self.meta
        meta["history"] = self.history
        meta["training"]["epochs_done"] = self.epochs_done
        meta["final"] = {
            "train": {k: row[k] for k in LOSS_KEYS if k in row},
            "validation": {k: row[f"val_{k}"] for k in LOSS_KEYS if f"val_{k}" in row},
        }
        meta["updated"] = store.now_iso()
        store.save_bundle(self.out, self.model, meta)
        self.emit(
            {
                "type": "epoch",
                "epoch": epoch,
                "epochs": self.target,
                "row": row,
                "checkpoint": str(self.out),
            }
        )
