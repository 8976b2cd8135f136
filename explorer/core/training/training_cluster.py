"""What a training does differently under a strategy: where each worker writes, the backup a
killed multi-worker training resumes from, the data set's sharding and what meta.json records.

TensorFlow does the distributed work (``MultiWorkerMirroredStrategy``: variables mirrored on
every replica of every worker, gradients all-reduced each step); this module only places a
worker's files and reads them back:

- the chief (worker 0) writes the bundle, its checkpoints and TensorBoard logs as a one-process
  training does; every other worker writes the same files into
  :func:`~explorer.core.runtime.cluster.worker_folder`, deleted when its training ends;
- each worker keeps Keras' ``BackupAndRestore`` backup (weights, optimizer, epoch) in
  ``WORKER_BACKUP`` inside what it writes. A worker that is killed makes the others stop with
  :class:`WorkerLost`; the same commands started again (the command line starts itself again,
  see :mod:`explorer.commands.train`) restore the last complete epoch on every worker, after
  checking that all of them restored the same one;
- the training and validation batches are sharded by data (``AutoShardPolicy.DATA``): every
  worker makes the same global batches and keeps its replicas' share of each, so the steps are
  those of a one-process run of the same global batch.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from explorer.core.errors import ExplorerError, InvalidParameter
from explorer.core.runtime import cluster as clusters
from explorer.core.training.train_options import WORKER_BACKUP, TrainConfig
from explorer.core.util import atomic

PLAN = "run.json"  # in the backup folder: the epoch the interrupted training runs to


class WorkerLost(ExplorerError):
    """Another worker of a multi-worker training stopped answering (killed, crashed, its
    machine gone): TensorFlow aborts the collective operations of every other worker."""


@dataclass
class Placement:
    """Where this process writes and what it is in the cluster (``cluster`` None: one
    process, maybe several devices)."""

    strategy: str  # what runs: "one-device", "mirrored" or "multi-worker"
    replicas: int
    cluster: clusters.Cluster | None
    out: Path  # where this process writes the bundle (the chief: --out)

    @property
    def workers(self) -> int:
        return self.cluster.size if self.cluster else 1

    @property
    def is_chief(self) -> bool:
        return self.cluster is None or self.cluster.is_chief

    @property
    def backup(self) -> Path | None:
        """The folder of Keras' ``BackupAndRestore`` (multi-worker trainings only)."""
        return self.out / WORKER_BACKUP if self.cluster is not None else None

    def record(self, requested: str) -> dict[str, Any]:
        """meta.json's training ``distribution``."""
        out = {"strategy": self.strategy, "requested": requested, "workers": self.workers,
               "replicas": self.replicas}  # fmt: skip
        if self.cluster is not None:
            out["cluster"] = list(self.cluster.workers)
        return out

    def tensorboard(self, folder: str | None) -> str | None:
        """Where this process writes TensorBoard event files (other workers: their folder)."""
        if folder is None or self.is_chief:
            return folder
        return str(self.out / "tensorboard")

    def forget_stale_backup(self) -> None:
        """A training of one process in a bundle that an interrupted multi-worker training
        left a backup in: that backup is out of date from now on."""
        if self.cluster is None:
            shutil.rmtree(self.out / WORKER_BACKUP, ignore_errors=True)

    def finished(self) -> None:
        """The training ended (finished or stopped, not lost): a worker other than the chief
        deletes its folder."""
        if not self.is_chief:
            shutil.rmtree(self.out, ignore_errors=True)


def make_strategy(config: TrainConfig) -> Any:
    """The ``tf.distribute`` strategy of ``config.strategy`` (``None``: the default device).
    For ``multi-worker`` the cluster is checked and ``TF_CONFIG`` set from ``--cluster``
    first; call it before any other TensorFlow work in the process."""
    from explorer.core.runtime.devices import strategy_for

    cluster = config.cluster_of()
    if cluster is not None:
        clusters.activate(cluster)
    return strategy_for(config.strategy)


def placement(config: TrainConfig, strategy: Any) -> Placement:
    """Where this process writes, from the strategy that runs."""
    replicas = int(strategy.num_replicas_in_sync) if strategy is not None else 1
    if not _is_multi_worker(strategy):
        kind = "mirrored" if strategy is not None else "one-device"
        return Placement(kind, replicas, None, Path(config.out))
    cluster = config.cluster_of()
    if cluster is None:  # a multi-worker strategy made by the caller: TF_CONFIG holds it
        cluster = clusters.from_tf_config(os.environ.get(clusters.TF_CONFIG))
    out = Path(config.out) if cluster.is_chief else clusters.worker_folder(config.out, cluster)
    return Placement("multi-worker", replicas, cluster, out)


def _is_multi_worker(strategy: Any) -> bool:
    if strategy is None:
        return False
    from explorer.core.runtime.tf_setup import tensorflow

    return isinstance(strategy, tensorflow().distribute.MultiWorkerMirroredStrategy)


def restored_plan(place: Placement) -> dict[str, int] | None:
    """``{"epoch", "target"}`` of the interrupted training this process resumes: the epoch
    its backup holds and the epoch it runs to (``None``: nothing to restore)."""
    if place.backup is None:
        return None
    try:
        plan = json.loads((place.backup / PLAN).read_text())
        meta = json.loads((place.backup / "training_metadata.json").read_text())
        return {"epoch": int(meta["epoch"]), "target": int(plan["target"])}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_plan(place: Placement, target: int) -> None:
    """Record the epoch this training runs to beside its backup."""
    if place.backup is not None:
        place.backup.mkdir(parents=True, exist_ok=True)
        atomic.write_text(place.backup / PLAN, json.dumps({"target": target}))


def check_same_epoch(strategy: Any, place: Placement, epoch: int) -> None:
    """Every worker must start from the same epoch (they restored their own backups): one
    line when they do not."""
    if place.cluster is None:
        return
    from explorer.core.runtime.tf_setup import tensorflow

    tf = tensorflow()

    @tf.function
    def gather() -> Any:
        per_replica = strategy.run(lambda: tf.constant([epoch], dtype=tf.int64))
        return strategy.gather(per_replica, axis=0)

    epochs = sorted({int(e) for e in gather().numpy()})
    if len(epochs) > 1:
        raise InvalidParameter(
            f"{place.cluster.describe()}: the workers' backups hold different epochs "
            f"({', '.join(map(str, epochs))}); delete the {WORKER_BACKUP} folders (the chief's "
            "is in the bundle) and resume the bundle with --resume"
        )


def backup_callback(place: Placement, watcher: Any) -> Any:
    """Keras' ``BackupAndRestore`` into the placement's backup folder, skipping an epoch the
    watcher did not finish (a stop or a NaN loss ends ``fit`` in the middle of one)."""
    from explorer.core.runtime.tf_setup import keras

    base: Any = keras().callbacks.BackupAndRestore

    class Backup(base):
        def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
            if watcher.epochs_done == epoch + 1:
                super().on_epoch_end(epoch, logs)

    return Backup(str(place.backup), double_checkpoint=True)


def shard_by_data(dataset: Any, place: Placement) -> Any:
    """``dataset`` sharded by data across the workers (each keeps its share of every batch)."""
    if dataset is None or place.cluster is None:
        return dataset
    from explorer.core.runtime.tf_setup import tensorflow

    tf = tensorflow()
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return dataset.with_options(options)


def even_batches(
    train_idx: np.ndarray, val_idx: np.ndarray, batch_size: int, replicas: int
) -> tuple[np.ndarray, np.ndarray, int, list[str]]:
    """The training and held-out images and the batch size of a multi-worker training whose
    every batch splits evenly over its ``replicas`` (a last batch that does not, 25 images
    for one worker and 26 for the other, stops the collective ops with a shape mismatch):
    a batch size that is no multiple of ``replicas`` is rounded down to one, and the fewer
    than ``replicas`` images that the last batch of each set has over a multiple of it are
    left out. The index arrays are the same on every worker, so is what is left out; the
    notes say what was changed."""
    notes: list[str] = []
    if replicas <= 1:
        return train_idx, val_idx, batch_size, notes
    batch = max(replicas, batch_size - batch_size % replicas)
    if batch != batch_size:
        notes.append(
            f"multi-worker: a batch of {batch_size} does not split evenly over {replicas} "
            f"replicas; batches of {batch} instead"
        )

    def trim(idx: np.ndarray) -> tuple[np.ndarray, int]:
        drop = (len(idx) % batch) % replicas
        return idx[: len(idx) - drop], drop

    (train, dropped_train), (val, dropped_val) = trim(train_idx), trim(val_idx)
    counts = [
        (n, what) for n, what in ((dropped_train, "training"), (dropped_val, "held-out")) if n
    ]
    if counts:
        which = " and ".join(f"{n} {what}" for n, what in counts)
        noun = "image" if counts[-1][0] == 1 else "images"
        notes.append(
            f"multi-worker: {which} {noun} left out, so that every batch splits evenly over "
            f"the {replicas} replicas (the same images on every worker)"
        )
    return train, val, batch, notes


def sharding_note(place: Placement, streamed: bool) -> list[str]:
    """What the user should know about the sharding of this data set."""
    if place.cluster is None or not streamed:
        return []
    return [
        "multi-worker: an image folder cannot be split by files here; every worker reads all "
        "of it and keeps its share of each batch (--cache-decoded decodes it once per machine)"
    ]


def lost_worker(exc: Exception, place: Placement, epochs_done: int, out: Path) -> WorkerLost:
    """The one line of a training whose peer stopped answering."""
    reason = _first_line(str(exc))
    kept = (
        f"epoch {epochs_done} is kept in {out}" if epochs_done and place.is_chief
        else f"the backup of epoch {epochs_done} is kept" if epochs_done
        else "no epoch had finished"
    )  # fmt: skip
    return WorkerLost(
        f"{place.cluster.describe() if place.cluster else 'this worker'}: another worker stopped "
        f"answering ({reason}); {kept}; start the same command on every worker to resume"
    )


def _first_line(text: str) -> str:
    """The useful part of TensorFlow's message: the unhealthy tasks, gRPC's reason, or its
    first line that says something."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for i, line in enumerate(lines):
        if "unhealthy" in line or "stopped sending heartbeats" in line:
            tasks = [t for t in lines[i + 1 : i + 4] if t.startswith("/job:")]
            return "unhealthy: " + ", ".join(tasks) if tasks else line[:160]
    grpc = re.search(r'grpc_message:"([^"]+)"', text)
    if grpc:
        return grpc.group(1)[:160]
    said = [line for line in lines if not line.endswith(":") and not line.startswith("Detected")]
    return (said[0] if said else "TensorFlow aborted its collective operations")[:160]
