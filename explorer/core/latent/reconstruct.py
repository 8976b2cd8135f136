"""Reconstruct images with one or two models: originals, reconstructions and per-image losses.

Images are uint8 ``(n, h, w, c)`` at the model's input shape (a data set opened at that shape,
or files read by :func:`read_files` through the folder pipeline). A VAE reconstructs from its mean ``mu``, an AE from its code ``z``. Per image:

* ``loss``: the reconstruction loss as the model was trained on it, with the training's own
  function (:func:`explorer.core.model.nets.reconstruction_loss`): summed binary
  cross-entropy (``bce``) or summed squared error (``mse``), as the bundle's ``meta.json``
  records. An encoder/decoder pair has no training config: summed squared error (``mse``);
  :attr:`Reconstruction.loss_source` says which.
* ``mse``: the mean squared error per pixel, in [0, 1] units.

Both are computed on the decoder's float output mapped to [0, 1], never on rounded pixels.
Every model given must take images of the same shape (one row of originals serves all).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from explorer.core.errors import InvalidParameter
from explorer.core.latent.encoding import encode_batch, to_pixels, to_unit
from explorer.core.model.latent_model import LatentModel
from explorer.core.util.imaging import from_uint8

if TYPE_CHECKING:
    from explorer.core.data.dataset import Dataset

LOSS_DESCRIPTIONS = {
    "bce": "binary cross-entropy summed over the pixels of an image",
    "mse": "squared error summed over the pixels of an image",
}
SPLITS = ("validation", "train", "all")


@dataclass
class Reconstruction:
    """One model's reconstructions of ``n`` images."""

    model: LatentModel
    pixels: np.ndarray  # uint8 (n, h, w, c), for display
    output: np.ndarray  # float32 (n, h, w, c) in [0, 1], for the metrics
    loss: np.ndarray  # float64 (n,): the reconstruction loss of loss_kind
    mse: np.ndarray  # float64 (n,): mean squared error per pixel in [0, 1] units
    loss_kind: str  # "bce" or "mse" (summed over pixels)
    loss_source: str  # "training" (the bundle's config) or "default" (no training config)
    reconstructed_from: str  # "mu" (VAE) or "z" (AE)

    def info(self) -> dict:
        """The sidecar entry of this model."""
        m = self.model
        return {
            "name": m.name,
            "source": m.source,
            "kind": m.kind,
            "z_dim": m.z_dim,
            "reconstructed_from": self.reconstructed_from,
            "loss_kind": self.loss_kind,
            "loss_description": LOSS_DESCRIPTIONS[self.loss_kind],
            "loss_source": self.loss_source,
            "loss": [float(v) for v in self.loss],
            "mse": [float(v) for v in self.mse],
            "loss_mean": float(self.loss.mean()) if len(self.loss) else None,
            "mse_mean": float(self.mse.mean()) if len(self.mse) else None,
            "input_range": list(m.input_range),
            "output_range": list(m.output_range),
        }


def loss_kind(model: LatentModel) -> tuple[str, str]:
    """``(kind, source)``: the bundle's training loss (``meta.json`` ``reconstruction``,
    ``bce`` when absent, as training defaults), or ``("mse", "default")`` for a pair."""
    if model.bundle is None:
        return "mse", "default"
    kind = str(model.meta.get("reconstruction", "bce"))
    if kind not in LOSS_DESCRIPTIONS:
        raise InvalidParameter(f"{model.name}: unknown reconstruction loss {kind!r} in meta.json")
    return kind, "training"


def check_shapes(models: Sequence[LatentModel]) -> tuple[int, int, int]:
    """The input shape all ``models`` share, or one line saying which differs."""
    h, w, c = models[0].input_shape
    first = (h, w, c)
    for m in models[1:]:
        if tuple(m.input_shape) != first:
            raise InvalidParameter(
                f"{m.name} takes {_fmt(m.input_shape)} images but {models[0].name} takes "
                f"{_fmt(first)}: reconstruct compares models of the same input shape"
            )
    return first


def reconstruct(model: LatentModel, images: np.ndarray, batch_size: int = 256) -> Reconstruction:
    """Encode uint8 ``images`` (n, h, w, c) with ``model`` (mu for a VAE) and decode them."""
    from explorer.core.model.nets import reconstruction_loss

    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 4:
        raise InvalidParameter(
            f"images must be uint8 (n, h, w, c), got {images.dtype} {images.shape}"
        )
    if tuple(images.shape[1:]) != tuple(model.input_shape):
        raise InvalidParameter(
            f"the images are {_fmt(images.shape[1:])} but {model.name} takes "
            f"{_fmt(model.input_shape)}"
        )
    kind, source = loss_kind(model)
    n = len(images)
    pixels = np.empty(images.shape, np.uint8)
    output = np.empty(images.shape, np.float32)
    loss = np.empty(n, np.float64)
    used = "z"
    for start in range(0, n, batch_size):
        x = from_uint8(images[start : start + batch_size])
        parts = encode_batch(model, x)
        used = "mu" if "mu" in parts else "z"
        y = model.decoder(np.asarray(parts[used], np.float32))[0]
        stop = start + len(x)
        pixels[start:stop] = to_pixels(model, y)
        output[start:stop] = to_unit(model, y)
        loss[start:stop] = np.asarray(reconstruction_loss(x, output[start:stop], kind))
    diff = output.astype(np.float64) - images.astype(np.float64) / 255.0
    mse = (diff**2).reshape(n, -1).mean(axis=1) if n else np.zeros(0)
    return Reconstruction(model, pixels, output, loss, mse, kind, source, used)


def reconstruct_all(models: Sequence[LatentModel], images: np.ndarray) -> list[Reconstruction]:
    """:func:`reconstruct` with every model (all of the same input shape)."""
    check_shapes(models)
    return [reconstruct(m, images) for m in models]


def tile_rows(
    images: np.ndarray,
    recs: Sequence[Reconstruction],
    padding: int = 2,
    sharpen: dict | None = None,
) -> np.ndarray:
    """The grid: first row the originals, then one row per model, same columns, tiled like
    ``sample``'s grids (``padding``); ``sharpen`` (as ``--sharpen-*`` give it) applies to the
    model rows only."""
    from explorer.core.util.imaging import sharpen as unsharp
    from explorer.core.util.imaging import tile_grid

    rows = [r.pixels if sharpen is None else unsharp(r.pixels, **sharpen) for r in recs]
    return tile_grid(np.concatenate([images, *rows]), 1 + len(recs), len(images), padding)


def read_files(files: Sequence[str | os.PathLike], image_shape: tuple[int, int, int]) -> np.ndarray:
    """The user's own images (PNG, JPEG, any size, grey or colour) as uint8 ``(n, h, w, c)``:
    decoded, centre-cropped to a square, resized and converted to the channels by the very
    pipeline that reads image folders for training
    (:func:`explorer.core.data.pipeline.uint8_batches`); a missing or unreadable file is one
    :class:`DatasetError` line naming it."""
    from explorer.core.data.dataset import Dataset
    from explorer.core.data.pipeline import uint8_batches
    from explorer.core.errors import DatasetError

    paths = [Path(f) for f in files]
    for path in paths:
        if not path.is_file():
            raise DatasetError(f"{path}: no such image file")
    out = np.zeros((len(paths), *image_shape), np.uint8)
    if not paths:
        return out
    h, w, c = image_shape
    ds = Dataset("files", (h, w, c), files=paths, source="files")
    read = np.zeros(len(paths), bool)
    for x, idx in uint8_batches(ds):
        out[idx] = x
        read[idx] = True
    if not read.all():
        bad = paths[int(np.argmin(read))]
        raise DatasetError(
            f"{bad}: unreadable image (not a PNG, JPEG, GIF or BMP that can be decoded)"
        )
    return out


def pick_indices(
    n: int,
    indices: Sequence[int] | None = None,
    count: int | None = None,
    split: str = "validation",
    seed: int = 0,
    validation_split: float = 0.1,
    split_seed: int = 0,
    max_images: int | None = None,
) -> np.ndarray:
    """Data set images to reconstruct: ``indices`` as given (each in range), or ``count``
    sorted indices drawn with ``seed`` from ``split`` (the training's split of ``n`` images:
    ``validation_split``, ``split_seed``, ``max_images`` as training used them)."""
    if indices is not None:
        if not len(indices):
            raise InvalidParameter("--indices names no image")
        bad = [i for i in indices if not 0 <= i < n]
        if bad:
            raise InvalidParameter(f"image index {bad[0]} is outside the data set (0..{n - 1})")
        return np.asarray(indices, dtype=np.int64)
    pool = split_pool(
        n, split, {"validation_split": validation_split, "seed": split_seed,
                   "max_images": max_images},
    )  # fmt: skip
    count = 8 if count is None else count
    if count < 1:
        raise InvalidParameter(f"--count must be at least 1, got {count}")
    if count > len(pool):
        raise InvalidParameter(
            f"--count {count} is more than the {len(pool)} images of the {split} split"
        )
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(pool, size=count, replace=False)).astype(np.int64)


def split_pool(n: int, split: str, how: dict) -> np.ndarray:
    """The indices of ``split`` ("validation", "train" or "all") of ``n`` images, split as
    ``how`` says (:func:`training_split`: ``validation_split``, ``seed``, ``max_images``)."""
    from explorer.core.training.training import training_indices

    if split not in SPLITS:
        raise InvalidParameter(f"--split must be one of {', '.join(SPLITS)}, got {split!r}")
    if split == "all":
        return np.arange(n)
    train, val = training_indices(
        n, how.get("max_images"), how.get("validation_split", 0.1), how.get("seed", 0)
    )
    return val if split == "validation" else train


def _fmt(shape: Iterable[int]) -> str:
    return "x".join(str(int(v)) for v in shape)


def training_split(models: Sequence[LatentModel], ds: Dataset) -> dict[str, Any]:
    """The split recorded by the first model trained on this data set, else 10%, seed 0."""
    for model in models:
        data = (model.meta or {}).get("dataset") or {}
        if data.get("name") == ds.name and data.get("n_images") == len(ds):
            return {
                "validation_split": float(data.get("validation_split", 0.1)),
                "seed": int(data.get("seed", 0)),
                "max_images": data.get("max_images"),
                "from": f"{model.name}'s meta.json",
            }
    return {"validation_split": 0.1, "seed": 0, "max_images": None, "from": "default"}


def dataset_entries(ds: Dataset, indices: Iterable[int]) -> list[dict[str, Any]]:
    """The sidecar's entry of each data set image (its label when the set has class labels)."""
    entries = []
    for i in indices:
        entry: dict[str, Any] = {"dataset": ds.name, "index": int(i)}
        if ds.labels is not None and ds.labels.ndim == 1:
            entry["label"] = ds.labels[int(i)].item()
        entries.append(entry)
    return entries


def write_reconstruction(
    out: str | os.PathLike,
    images: np.ndarray,
    recs: Sequence[Reconstruction],
    entries: list[dict],
    chosen: dict,
    sharpen: dict | None = None,
    padding: int = 2,
) -> list[Path]:
    """Write ``OUT.png`` (originals, then a row per model), with ``sharpen`` also
    ``OUT.sharp.png`` (model rows sharpened), and ``OUT.json``; returns the paths."""
    from explorer.core.util.export import write_sidecar
    from explorer.core.util.imaging import save_png

    out = Path(out)
    save_png(tile_rows(images, recs, padding), out)
    written = [out]
    if sharpen is not None:
        sharp_path = out.with_name(out.stem + ".sharp.png")
        save_png(tile_rows(images, recs, padding, sharpen=sharpen), sharp_path)
        written.append(sharp_path)
    info = {
        "images": entries,
        "models": [r.info() for r in recs],
        "image_shape": list(images.shape[1:]),
        "grid": {"rows": 1 + len(recs), "cols": len(images), "padding": padding},
        "layout": "row 0: the originals; row k: model k's reconstructions, same columns",
        "sharpen": sharpen,
        **chosen,
    }
    written.append(write_sidecar(out, info))
    return written
