"""TensorBoard event files of a training (``--tensorboard DIR``), written with TensorFlow's
own ``tf.summary.write`` and the metadata of TensorBoard's scalar and image plugins, so the
``tensorboard`` package is needed only to look at them (``tf.summary.scalar`` needs it).

Per batch (per execution with steps per execution > 1), at step ``epoch * steps + batch + 1``:
``batch/total_loss``, ``batch/reco_loss``, ``batch/kl_loss``, ``batch/learning_rate``,
``batch/images_per_s``. Per epoch, at step ``epoch + 1``: ``epoch/total_loss``, ``epoch/reco_loss``,
``epoch/kl_loss``, their ``epoch/val_*`` and ``epoch/images_per_s``, and two image grids:
``images/reconstructions`` (validation images over their reconstructions) and
``images/samples`` (decodes of fixed N(0, 1) codes).
"""

from __future__ import annotations

import time
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from explorer.core.training.training_watcher import LOSS_KEYS
from explorer.core.util.imaging import to_uint8

if TYPE_CHECKING:
    from explorer.core.training.training_watcher import _Watcher

N_IMAGES = 8  # validation images per reconstruction grid (one row each)
SAMPLE_GRID = 4  # N(0, 1) decodes: a 4x4 grid


@lru_cache(maxsize=1)
def tensorboard_class() -> type[_TensorBoardLog]:
    """The Keras callback class (defined on first use: TensorFlow is imported then)."""
    from explorer.core.runtime.tf_setup import keras

    cls = type("_TensorBoardLog", (_TensorBoardLog, keras().callbacks.Callback), {})
    return cast("type[_TensorBoardLog]", cls)


def tensorboard_command(logdir: str) -> str:
    """The line that shows a training's event files."""
    return f"tensorboard --logdir {_quote(str(Path(logdir).expanduser()))}"


def _quote(text: str) -> str:
    import shlex

    return shlex.quote(text)


class _TensorBoardLog:
    """Writes the scalars and image grids of a training into ``logdir``."""

    model: Any  # the keras.Model being trained, set by keras.callbacks.Callback

    def __init__(
        self,
        logdir: str | Path,
        watcher: _Watcher,
        steps: int,
        batch_size: int,
        val_ds: Any,  # a tf.data.Dataset or None
        z_dim: int,
    ) -> None:
        super().__init__()
        from explorer.core.runtime.tf_setup import tensorflow

        self.tf = tensorflow()
        Path(logdir).mkdir(parents=True, exist_ok=True)
        self.writer = self.tf.summary.create_file_writer(str(logdir))
        self.watcher, self.steps, self.batch_size = watcher, steps, batch_size
        self.val_images: Any = None  # a tensor of validation images
        if val_ds is not None:
            for batch in val_ds.take(1):
                self.val_images = batch[:N_IMAGES]
        self.z = np.random.default_rng(0).standard_normal((SAMPLE_GRID**2, z_dim))
        self.z = self.z.astype(np.float32)
        self.epoch, self.t0, self.t_batch, self.last_batch = 0, 0.0, 0.0, -1

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.epoch, self.last_batch = epoch, -1
        self.t0 = self.t_batch = time.perf_counter()

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        batch = min(batch, self.steps - 1)  # a short last execution (see the watcher)
        now = time.perf_counter()
        images = (batch - self.last_batch) * self.batch_size
        ips = images / (now - self.t_batch) if now > self.t_batch else 0.0
        self.t_batch, self.last_batch = now, batch
        step = self.epoch * self.steps + batch + 1
        logs = logs or {}
        with self.writer.as_default(step=step):
            for k in LOSS_KEYS:
                if f"batch_{k}" in logs:
                    self._scalar(f"batch/{k}", float(logs[f"batch_{k}"]))
            self._scalar("batch/learning_rate", self._learning_rate())
            self._scalar("batch/images_per_s", ips)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        history = self.watcher.history
        if not history or history[-1].get("epoch") != epoch + 1:
            return  # not checkpointed (cancelled or diverged): nothing to log
        row = history[-1]
        seconds = max(time.perf_counter() - self.t0, 1e-9)
        with self.writer.as_default(step=epoch + 1):
            for k, v in row.items():
                if k.endswith("loss"):
                    self._scalar(f"epoch/{k}", float(v))
            self._scalar("epoch/learning_rate", self._learning_rate())
            self._scalar(
                "epoch/images_per_s", self.steps * self.batch_size / row.get("seconds", seconds)
            )
            if self.val_images is not None:
                x = np.asarray(self.val_images, dtype=np.float32)
                x_hat = np.asarray(self.model(x, training=False), dtype=np.float32)
                grid = _grid(np.concatenate([x, x_hat]), rows=2)
                self._image("images/reconstructions", grid)
            decoded = np.asarray(self.model.decoder(self.z, training=False), dtype=np.float32)
            grid = _grid(decoded, rows=SAMPLE_GRID)
            self._image("images/samples", grid)
        self.writer.flush()

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        self.writer.flush()

    def _scalar(self, tag: str, value: float) -> None:
        tf = self.tf
        tf.summary.write(tag, tf.constant(value, tf.float32), metadata=_metadata("scalars", 1))

    def _image(self, tag: str, image: np.ndarray) -> None:
        """One image (h, w, c) in [0, 1] as TensorBoard's image plugin stores it: the
        strings [width, height, PNG]."""
        tf = self.tf
        png = tf.io.encode_png(tf.constant(to_uint8(image)))
        h, w = image.shape[:2]
        data = tf.stack([tf.constant(str(w)), tf.constant(str(h)), png])
        tf.summary.write(tag, data, metadata=_metadata("images", 3))

    def _learning_rate(self) -> float:
        try:
            return float(np.asarray(self.model.optimizer.learning_rate))
        except (TypeError, ValueError, AttributeError):
            return float("nan")


@lru_cache(maxsize=2)
def _metadata(plugin: str, data_class: int) -> bytes:
    """A serialized ``SummaryMetadata`` of TensorBoard's ``plugin`` (``data_class``: 1
    scalar, 3 blob sequence), as TensorBoard's own summaries write it."""
    from tensorflow.core.framework import summary_pb2

    meta = summary_pb2.SummaryMetadata()
    meta.plugin_data.plugin_name = plugin
    meta.plugin_data.content = b""  # the plugins' own data, version 0: nothing to add
    meta.data_class = data_class
    return meta.SerializeToString()


def _grid(images: np.ndarray, rows: int) -> np.ndarray:
    """``(n, h, w, c)`` images in [0, 1] as one ``(rows * h, cols * w, c)`` image."""
    n, h, w, c = images.shape
    cols = -(-n // rows)
    out = np.zeros((rows * h, cols * w, c), np.float32)
    for i, img in enumerate(np.clip(images, 0.0, 1.0)):
        r, col = divmod(i, cols)
        out[r * h : (r + 1) * h, col * w : (col + 1) * w] = img
    return out
