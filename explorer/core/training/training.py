"""Train an AE or VAE into a model bundle: progress events, stop at the next batch, an atomic
checkpoint per epoch, resume, a clear stop on NaN loss, and a seed.

The options are declared in :mod:`explorer.core.training.train_options` (:class:`TrainConfig`,
re-exported here); the per-epoch work (events, checks, checkpoints) is the callback in
:mod:`explorer.core.training.training_watcher`.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from explorer.core.data.builtin import BUILTIN
from explorer.core.data.dataset import Dataset, split_indices
from explorer.core.data.pipeline import device_images, make_tf_dataset, position_batches
from explorer.core.data.sources import open_dataset
from explorer.core.errors import ExplorerError, TrainingDiverged
from explorer.core.model import store
from explorer.core.model.config import ModelConfig
from explorer.core.progress import TaskState, ensure_state
from explorer.core.runtime.tf_setup import device_description
from explorer.core.training.accelerator import (
    Accelerator,
    dtype_policy,
    fits_on_device,
    optimizer_for,
    resolve,
)
from explorer.core.training.train_options import TrainConfig
from explorer.core.training.training_cluster import (
    Placement,
    backup_callback,
    check_same_epoch,
    lost_worker,
    make_strategy,
    placement,
    restored_plan,
    shard_by_data,
    sharding_note,
    write_plan,
)
from explorer.core.training.training_watcher import watcher_class
from explorer.core.util.clock import now_iso

if TYPE_CHECKING:
    from explorer.core.training.training_watcher import _Watcher

__all__ = ["TrainConfig", "TrainResult", "TrainingOutOfMemory", "train", "training_indices"]

Event = dict[str, Any]


class TrainingOutOfMemory(ExplorerError):
    """The device ran out of memory (``tf.errors.ResourceExhaustedError``) while training."""


@dataclass
class TrainResult:
    status: str  # "finished" or "cancelled"
    bundle: Path
    epochs_done: int
    history: list[dict[str, float]] = field(default_factory=list)


@dataclass
class _Run:
    """What a training works on: the model, the data, and the bundle's meta (new or resumed)."""

    model: Any  # the keras.Model (an Autoencoder or VariationalAutoencoder)
    ds: Dataset
    train_idx: np.ndarray
    val_idx: np.ndarray
    meta: dict[str, Any]
    history: list[dict[str, float]]
    epochs_done: int
    batch_size: int


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

    ``strategy`` (a ``tf.distribute.Strategy``, see :func:`explorer.core.runtime.devices.strategy_for`;
    ``None``: made from ``config.strategy``) builds, or on resume loads, the model inside
    ``strategy.scope()`` so ``fit`` runs on all its replicas; the batch size is the global
    one, split between the replicas. Under ``multi-worker`` only the chief writes
    ``config.out``; the rest of what differs (each worker's folder, the backup a restarted
    worker resumes from, the sharding, :class:`~explorer.core.training.training_cluster.WorkerLost`)
    is in :mod:`explorer.core.training.training_cluster`.

    The accelerator options (:mod:`explorer.core.training.accelerator`): the model is built (or
    loaded) under the mixed precision policy, then compiled with XLA and steps per execution;
    the training images go to the device when asked and they fit (else a note in the
    ``started`` event's ``notes`` and the streamed path); ``--tensorboard`` adds the callback
    of :mod:`explorer.core.training.training_tensorboard`. A resume keeps the recorded options
    that ``config`` leaves at ``None``.
    """
    config.validate()
    state = ensure_state(state)
    emit = on_event or (lambda event: None)
    from explorer.core.runtime.tf_setup import keras

    if strategy is None:  # before any other TensorFlow work (a multi-worker strategy's rule)
        strategy = make_strategy(config)
    k = keras()
    place = placement(config, strategy)
    out = place.out  # where this process writes: the chief's --out, another worker's folder
    if config.resume:  # the accelerator options not given: as the bundle recorded them
        config = config.resumed(store.read_meta(config.out).get("training", {}))
    acc = resolve(config)
    acc.tensorboard = place.tensorboard(acc.tensorboard)
    plan = restored_plan(place)  # a multi-worker training killed halfway, started again
    place.forget_stale_backup()
    scope = strategy.scope() if strategy is not None else contextlib.nullcontext()
    with dtype_policy(acc.policy):
        new = not config.resume
        run = _new_run(config, scope, k, out) if new else _resumed_run(config, scope, k)
        if plan is not None:
            _restore_progress(run, plan["epoch"], out)
        with (
            strategy.scope() if strategy is not None else contextlib.nullcontext()
        ):  # a scope enters once
            run.model.compile(
                optimizer=optimizer_for(run.model.optimizer, acc.policy),
                jit_compile=acc.jit_compile,
                steps_per_execution=acc.steps_per_execution,
            )
    if config.cache_decoded and run.ds.streamed:
        from explorer.core.data.decoded_cache import use_decoded_cache

        run.ds, run.train_idx, run.val_idx = use_decoded_cache(
            run.ds, run.train_idx, run.val_idx, state
        )
    target = plan["target"] if plan is not None else run.epochs_done + config.epochs
    seed = int(run.meta["training"]["seed"]) + run.epochs_done
    notes = _place_on_device(config, acc, run, strategy)
    notes += sharding_note(place, run.ds.streamed)
    if acc.cache_on_device:
        train_ds = position_batches(len(run.train_idx), run.batch_size, shuffle=True, seed=seed)
    else:
        run.model.use_device_images(None)
        train_ds = make_tf_dataset(run.ds, run.batch_size, run.train_idx, shuffle=True, seed=seed)
    val_ds = make_tf_dataset(run.ds, run.batch_size, run.val_idx) if len(run.val_idx) else None
    train_ds, val_ds = shard_by_data(train_ds, place), shard_by_data(val_ds, place)
    steps = math.ceil(len(run.train_idx) / run.batch_size)
    _record_accelerator(run.meta, config, acc)
    run.meta["training"]["distribution"] = place.record(config.strategy)
    watcher = watcher_class()(
        state, emit, out, run.meta, run.history, val_ds, steps, run.batch_size, target
    )
    extra = []
    if acc.tensorboard:
        from explorer.core.training.training_tensorboard import tensorboard_class

        z_dim = int(run.meta["z_dim"])
        extra.append(
            tensorboard_class()(acc.tensorboard, watcher, steps, run.batch_size, val_ds, z_dim)
        )
    if place.backup is not None:
        extra.insert(0, backup_callback(place, watcher))
        write_plan(place, target)
    emit(_started_event(run, out, target, steps, place, acc, notes))
    if not state.stop_requested:  # a stop asked for while setting up: skip fit entirely
        try:
            check_same_epoch(strategy, place, run.epochs_done)
            _fit(run, train_ds, target, watcher, [*extra, *(callbacks or [])], out)
        except _peer_errors() as exc:
            if place.cluster is None:
                raise
            raise lost_worker(exc, place, watcher.epochs_done, out) from exc
    _raise_if_diverged(watcher, out)
    place.finished()
    status = "cancelled" if state.stop_requested else "finished"
    emit(
        {"type": "finished", "status": status, "bundle": str(out),
         "epochs_done": watcher.epochs_done}
    )  # fmt: skip
    return TrainResult(status, out, watcher.epochs_done, run.history)


def training_indices(
    n: int, max_images: int | None, validation_split: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """The (train, validation) image indices of a training: a seeded subset of
    ``max_images`` images (all when ``None``), split by a seeded permutation."""
    if max_images is None or max_images >= n:
        subset = np.arange(n)
    else:
        subset = np.sort(np.random.default_rng(seed + 1).permutation(n)[:max_images])
    tr, va = split_indices(len(subset), validation_split, seed)
    return subset[tr], subset[va]


def _new_run(config: TrainConfig, scope: Any, k: Any, out: Path) -> _Run:
    """Open the data, build and compile the model (``k``: keras) and start the bundle's meta."""
    from explorer.core.model.nets import build_model

    mcfg = config.model_config()
    ds = open_dataset(config.dataset, mcfg.architecture.input_shape, data_range=config.data_range)
    train_idx, val_idx = training_indices(
        len(ds), config.max_images, config.validation_split, config.seed
    )
    k.utils.set_random_seed(config.seed)
    with scope:
        model = build_model(mcfg)
        model.compile(optimizer=k.optimizers.Adam(config.learning_rate))  # train() recompiles
    meta = _initial_meta(config, mcfg, ds, train_idx, val_idx)
    out.mkdir(parents=True, exist_ok=True)
    return _Run(model, ds, train_idx, val_idx, meta, [], 0, config.batch_size)


def _resumed_run(config: TrainConfig, scope: Any, k: Any) -> _Run:
    """Load the bundle's model (optimizer state included) and its data split as recorded."""
    out = Path(config.out)
    meta = store.read_meta(out)
    with scope:
        model = store.load_keras_file(out / store.MODEL_FILE)
    data = meta["dataset"]
    ds = open_dataset(
        data["name"] if data["name"] in BUILTIN else data["source"],
        tuple(meta["input_shape"]),
        data_range=config.data_range or data.get("data_range"),
    )
    data["data_range"] = _recorded_range(ds)
    train_idx, val_idx = training_indices(
        len(ds), data.get("max_images"), data["validation_split"], data["seed"]
    )
    epochs_done = int(meta["training"]["epochs_done"])
    k.utils.set_random_seed(int(meta["training"]["seed"]) + epochs_done)
    history = list(meta.get("history", []))
    batch_size = int(meta["training"]["batch_size"])
    return _Run(model, ds, train_idx, val_idx, meta, history, epochs_done, batch_size)


def _restore_progress(run: _Run, epoch: int, out: Path) -> None:
    """An interrupted multi-worker training goes on from ``epoch`` (Keras' ``BackupAndRestore``
    loads the weights when ``fit`` begins): the history rows of the epochs before it, from
    the checkpoint this process wrote, and the seeds of a resume at that epoch."""
    from explorer.core.runtime.tf_setup import keras

    old = store.read_meta(out) if store.is_bundle(out) else {}
    run.history = [row for row in old.get("history", []) if int(row["epoch"]) <= epoch]
    run.meta["history"] = run.history
    run.meta["created"] = old.get("created", run.meta["created"])
    run.epochs_done = epoch
    run.meta["training"]["epochs_done"] = epoch
    keras().utils.set_random_seed(int(run.meta["training"]["seed"]) + epoch)


def _peer_errors() -> tuple[type[Exception], ...]:
    """TensorFlow's errors when another worker of a cluster stopped answering."""
    from explorer.core.runtime.tf_setup import tensorflow

    errors = tensorflow().errors
    return (errors.UnavailableError, errors.AbortedError, errors.DeadlineExceededError)


def _place_on_device(config: TrainConfig, acc: Accelerator, run: _Run, strategy: Any) -> list[str]:
    """Put the training images on the device when ``--cache-on-device`` asks and they fit;
    return the one-line notes to show before training starts."""
    if not config.cache_on_device:
        return []
    if strategy is not None and int(strategy.num_replicas_in_sync) > 1:
        acc.note = "--cache-on-device: not with several replicas; streaming the images instead"
        return [acc.note]
    if run.ds.images is None:  # a folder without --cache-decoded (the check refuses it)
        acc.note = "--cache-on-device: the images are not decoded; streaming them instead"
        return [acc.note]
    nbytes = int(len(run.train_idx) * np.prod(run.ds.images.shape[1:]) * run.ds.images.itemsize)
    fits, message = fits_on_device(nbytes)
    if not fits:
        acc.note = message
        return [message]
    images = device_images(run.ds, run.train_idx)
    run.model.use_device_images(images)
    acc.cache_on_device, acc.cache_bytes = True, images.nbytes
    return [message]


def _record_accelerator(meta: dict, config: TrainConfig, acc: Accelerator) -> None:
    """The accelerator options as given (kept or overridden on resume), and what ran."""
    from explorer.core.training.train_options import OPTIONS

    training = meta["training"]
    training.update({o.name: getattr(config, o.name) for o in OPTIONS if o.keep})
    training["accelerator"] = acc.record(device_description())


def _started_event(
    run: _Run, out: Path, target: int, steps: int, place: Placement, acc: Accelerator,
    notes: list[str],
) -> Event:  # fmt: skip
    return {
        "type": "started",
        "pid": os.getpid(),  # the window runs trainings as a process of their own
        "bundle": str(out),
        "kind": run.meta["kind"],
        "epochs": target,
        "initial_epoch": run.epochs_done,
        "steps_per_epoch": steps,
        "n_train": len(run.train_idx),
        "n_val": len(run.val_idx),
        "device": f"{device_description()} ({acc.describe()})",
        "policy": acc.policy,
        "jit_compile": acc.jit_compile,
        "steps_per_execution": acc.steps_per_execution,
        "cache_on_device": acc.cache_on_device,
        "tensorboard": acc.tensorboard,
        "notes": notes,
        "replicas": place.replicas,
        "strategy": place.strategy,
        "workers": place.workers,
        "worker": place.cluster.describe() if place.cluster else "",
        "data_note": run.ds.value_note,
    }


def _fit(
    run: _Run, train_ds: Any, target: int, watcher: _Watcher, callbacks: list, out: Path
) -> None:
    """``model.fit`` from the run's epoch to ``target``; running out of device memory becomes
    :class:`TrainingOutOfMemory` with a hint."""
    from explorer.core.runtime.tf_setup import tensorflow

    try:
        run.model.fit(
            train_ds,
            epochs=target,
            initial_epoch=run.epochs_done,
            verbose=0,
            shuffle=False,
            callbacks=[watcher, *callbacks],
        )
    except tensorflow().errors.ResourceExhaustedError as exc:
        kept = (
            f"the checkpoint of epoch {watcher.epochs_done} is kept in {out}"
            if watcher.epochs_done
            else "no epoch had finished"
        )
        raise TrainingOutOfMemory(
            f"out of memory while training with batch size {run.batch_size} on {device_description()}; "
            f"try a smaller batch size (or smaller images or layers); {kept}"
        ) from exc


def _raise_if_diverged(watcher: _Watcher, out: Path) -> None:
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


def _recorded_range(ds: Dataset) -> list[float] | None:
    """The (LO, HI) a float array data set was mapped from, for meta.json (``None``: 8-bit)."""
    return [float(v) for v in ds.value_range] if ds.value_range is not None else None


def _initial_meta(
    config: TrainConfig, mcfg: ModelConfig, ds: Dataset, train_idx: np.ndarray, val_idx: np.ndarray
) -> dict[str, Any]:
    """The new bundle's meta.json: the model's configuration, the options recorded by their
    declaration (``record``), the data split; history and final losses come per epoch."""
    arch = mcfg.architecture
    now = now_iso()
    return {
        "format": 1,
        "kind": mcfg.kind,
        "architecture": arch.to_dict(),
        "input_shape": list(arch.input_shape),
        "z_dim": arch.z_dim,
        "kl_weight": mcfg.kl_weight,
        "eps_clip": mcfg.eps_clip,
        "reconstruction": mcfg.reconstruction,
        **config.recorded(""),
        "dataset": {
            "name": ds.name,
            "source": ds.source,
            "data_range": _recorded_range(ds),
            "n_images": len(ds),
            **config.recorded("dataset"),
            "n_train": int(len(train_idx)),
            "n_val": int(len(val_idx)),
        },
        "training": {"epochs_done": 0, **config.recorded("training"), "optimizer": "adam"},
        "history": [],
        "final": {},
        "versions": store.library_versions(),
        "created": now,
        "updated": now,
    }
