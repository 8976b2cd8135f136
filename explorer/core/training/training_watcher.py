"""The Keras callback of a training: events, stop requests, NaN checks, validation and the
checkpoint of every complete epoch (see :func:`explorer.core.training.training.train`)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from explorer.core.model import store
from explorer.core.progress import TaskState
from explorer.core.util.clock import now_iso

LOSS_KEYS = ("total_loss", "reco_loss", "kl_loss")


@lru_cache(maxsize=1)
def watcher_class() -> type[_Watcher]:
    """The Keras callback class, defined on first use so that importing this module (to
    validate a :class:`TrainConfig` in the window) does not import TensorFlow."""
    from explorer.core.runtime.tf_setup import keras

    return cast("type[_Watcher]", type("_Watcher", (_Watcher, keras().callbacks.Callback), {}))


class _Watcher:
    """Keras callback: events, stop requests, NaN checks, validation and checkpoints."""

    model: Any  # the keras.Model being trained, set by keras.callbacks.Callback

    def __init__(
        self,
        state: TaskState,
        emit: Callable[[dict[str, Any]], None],
        out: Path,
        meta: dict[str, Any],
        history: list[dict[str, float]],
        val_ds: Any,  # a tf.data.Dataset or None
        steps: int,
        batch_size: int,
        target: int,
    ) -> None:
        super().__init__()
        self.state, self.emit, self.out, self.meta = state, emit, out, meta
        self.history, self.val_ds, self.steps = history, val_ds, steps
        self.batch_size, self.target = batch_size, target
        self.epochs_done = int(meta["training"]["epochs_done"])
        self.diverged: tuple[int, int] | None = None
        self.epoch = 0
        self.t0 = time.perf_counter()

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.epoch = epoch
        self.t0 = time.perf_counter()

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        # with steps per execution > 1 Keras calls this once per execution, with the last
        # step's logs and ``batch`` its last step, which a short last execution overshoots
        batch = min(batch, self.steps - 1)
        values = {k: float(v) for k, v in (logs or {}).items()}
        if not all(math.isfinite(values.get(f"batch_{k}", 0.0)) for k in LOSS_KEYS):
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
                "logs": values,
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

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.diverged is not None or self.state.stop_requested:
            return  # an incomplete epoch is never checkpointed
        row = self._epoch_row(epoch, logs or {})
        if not all(math.isfinite(v) for k, v in row.items() if k.endswith("loss")):
            self.diverged = (epoch, self.steps - 1)
            self.model.stop_training = True
            return
        self.history.append(row)
        self.epochs_done = epoch + 1
        self._checkpoint(row)
        self.emit(
            {
                "type": "epoch",
                "epoch": epoch,
                "epochs": self.target,
                "row": row,
                "checkpoint": str(self.out),
            }
        )

    def _epoch_row(self, epoch: int, logs: dict) -> dict:
        """The history row of an epoch: its train means, then the validation losses."""
        seconds = time.perf_counter() - self.t0
        row = {"epoch": epoch + 1, **{k: float(logs[k]) for k in LOSS_KEYS if k in logs}}
        if self.val_ds is not None:
            val = self.model.evaluate(self.val_ds, verbose=0, return_dict=True)
            row.update({f"val_{k}": float(val[k]) for k in LOSS_KEYS if k in val})
        row["seconds"] = round(seconds, 3)
        return row

    def _checkpoint(self, row: dict) -> None:
        """Write the model and its meta.json (history, epochs done, final losses) atomically."""
        meta = self.meta
        meta["history"] = self.history
        meta["training"]["epochs_done"] = self.epochs_done
        meta["final"] = {
            "train": {k: row[k] for k in LOSS_KEYS if k in row},
            "validation": {k: row[f"val_{k}"] for k in LOSS_KEYS if f"val_{k}" in row},
        }
        meta["updated"] = now_iso()
        store.save_bundle(self.out, self.model, meta)
