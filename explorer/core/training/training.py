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

from explorer.core.data.pipeline import (
    device_images,
    make_tf_dataset,
    position_batches,
    unreadable_summary,
)
from explorer.core.errors import ExplorerError, TrainingDiverged
from explorer.core.model import store
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
    even_batches,
    lost_worker,
    make_strategy,
    placement,
    restored_plan,
    shard_by_data,
    sharding_note,
    write_plan,
)
from explorer.core.training.training_run import (
    Run,
    new_run,
    restore_progress,
    resumed_run,
    training_indices,
)
from explorer.core.training.training_watcher import watcher_class
from explorer.core.util.writer_lock import writer_lock

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
    unreadable: str = ""  # the files of an image folder that could not be read, in one line


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
    if strategy is None:  # before any other TensorFlow work (a multi-worker strategy's rule)
        strategy = make_strategy(config)
    place = placement(config, strategy)
    with writer_lock(place.out):  # one writer: a second training there gets one line
        config.validate(check_busy=False)  # again under the lock: what another did meanwhile
        return _train(config, state, on_event or (lambda event: None), callbacks, strategy, place)


def _train(
    config: TrainConfig,
    state: TaskState,
    emit: Callable[[Event], None],
    callbacks: list | None,
    strategy: Any,
    place: Placement,
) -> TrainResult:
    """:func:`train` once this process holds the bundle's writer lock."""
    from explorer.core.runtime.tf_setup import keras

    k = keras()
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
        run = new_run(config, scope, k, out) if new else resumed_run(config, scope, k)
        if plan is not None:
            restore_progress(run, plan["epoch"], out)
        with (
            strategy.scope() if strategy is not None else contextlib.nullcontext()
        ):  # a scope enters once
            run.model.compile(
                optimizer=optimizer_for(run.model.optimizer, acc.policy),
                jit_compile=acc.jit_compile,
                steps_per_execution=acc.steps_per_execution,
            )
    cache_note = ""
    if config.cache_decoded and run.ds.streamed:
        from explorer.core.data.decoded_cache import use_decoded_cache

        run.ds, run.train_idx, run.val_idx, cache_note = use_decoded_cache(
            run.ds, run.train_idx, run.val_idx, state
        )
    target = plan["target"] if plan is not None else run.epochs_done + config.epochs
    seed = int(run.meta["training"]["seed"]) + run.epochs_done
    notes = [cache_note] if cache_note else []
    if place.cluster is not None:  # every batch splits evenly over the workers' replicas
        replicas = int(getattr(strategy, "num_replicas_in_sync", 1))
        run.train_idx, run.val_idx, run.batch_size, even = even_batches(
            run.train_idx, run.val_idx, run.batch_size, replicas
        )
        notes += even
    notes += _place_on_device(config, acc, run, strategy)
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
    unreadable = unreadable_summary(run.ds)
    emit(
        {"type": "finished", "status": status, "bundle": str(out),
         "epochs_done": watcher.epochs_done, "unreadable": unreadable}
    )  # fmt: skip
    return TrainResult(status, out, watcher.epochs_done, run.history, unreadable)


def _peer_errors() -> tuple[type[Exception], ...]:
    """TensorFlow's errors when another worker of a cluster stopped answering."""
    from explorer.core.runtime.tf_setup import tensorflow

    errors = tensorflow().errors
    return (errors.UnavailableError, errors.AbortedError, errors.DeadlineExceededError)


def _place_on_device(config: TrainConfig, acc: Accelerator, run: Run, strategy: Any) -> list[str]:
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
    run: Run, out: Path, target: int, steps: int, place: Placement, acc: Accelerator,
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
    run: Run, train_ds: Any, target: int, watcher: _Watcher, callbacks: list, out: Path
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
