"""Encode data sets into z-points and decode z-points into images, in compiled batches.

Encodings are cached per (model, data set) as float32 ``.npy`` files opened memory-mapped
(no pickle); the cache key changes when the model file or the data change.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from explorer.core import atomic
from explorer.core.datasets import Dataset
from explorer.core.progress import TaskState, ensure_state
from explorer.core.store import LatentModel

CACHE_FORMAT = 1
ARRAYS = ("z", "mu", "logvar", "labels", "indices")


@dataclass
class Encodings:
    """z-points of a data set: ``z`` always; ``mu``/``logvar`` for a VAE; ``labels`` when the
    data set has them; ``indices`` of the data set images they belong to (skipped files are
    absent)."""

    z: np.ndarray
    mu: np.ndarray | None = None
    logvar: np.ndarray | None = None
    labels: np.ndarray | None = None
    indices: np.ndarray | None = None
    label_names: list[str] | None = None
    kind: str = "ae"
    model_name: str = ""
    dataset_name: str = ""
    skipped: int = 0

    def __len__(self) -> int:
        return len(self.z)

    def save_npz(self, path: str | os.PathLike) -> None:
        """Write z (and mu, logvar, labels, indices) to one ``.npz``, atomically."""
        arrays = {k: np.asarray(getattr(self, k)) for k in ARRAYS if getattr(self, k) is not None}
        atomic.write_with(path, lambda tmp: np.savez(tmp, **arrays))


def _compiled(fn, input_shape):
    tf = _tf()
    spec = tf.TensorSpec((None, *input_shape), tf.float32)
    return tf.function(
        lambda x: fn(x, training=False), input_signature=[spec], reduce_retracing=True
    )


def _tf():
    from explorer.core.tf_setup import tensorflow

    return tensorflow()


def _functions(model: LatentModel) -> tuple:
    """Compiled encode/decode functions, made once per model and kept on it."""
    fns = getattr(model, "_compiled", None)
    if fns is None:
        fns = (
            _compiled(model.encoder, model.input_shape),
            _compiled(model.decoder, (model.z_dim,)),
        )
        model._compiled = fns  # type: ignore[attr-defined]
    return fns


def encode_batch(
    model: LatentModel, x: np.ndarray, rng: np.random.Generator | None = None
) -> dict[str, np.ndarray]:
    """Encode float images ``x`` in [0, 1]: ``{"z"}`` for an AE, ``{"mu", "logvar", "z"}`` for a VAE.

    For a VAE whose encoder gives only (mu, logvar), ``z = mu + exp(logvar/2) * eps`` with
    ``eps ~ N(0, 1)`` clipped to ``|eps| <= eps_clip``, drawn from ``rng``.
    """
    encode, _ = _functions(model)
    out = encode(x)
    if model.encoder_outputs == "z":
        return {"z": np.asarray(out, dtype=np.float32)}
    parts = [np.asarray(t, dtype=np.float32) for t in out]
    mu, logvar = parts[0], parts[1]
    if model.encoder_outputs == "mu_logvar_z":
        z = parts[2]
    else:
        rng = rng or np.random.default_rng(0)
        eps = np.clip(
            rng.standard_normal(mu.shape, dtype=np.float32), -model.eps_clip, model.eps_clip
        )
        z = mu + np.exp(0.5 * logvar) * eps
    return {"mu": mu, "logvar": logvar, "z": z.astype(np.float32)}


def decode(
    model: LatentModel, z: np.ndarray, batch_size: int = 256, state: TaskState | None = None
) -> np.ndarray:
    """Decode z-points to uint8 images (n, h, w, c), one compiled call per batch."""
    state = ensure_state(state)
    _, dec = _functions(model)
    z = np.asarray(z, dtype=np.float32).reshape(-1, model.z_dim)
    out = np.empty((len(z), *model.input_shape), dtype=np.uint8)
    for start in range(0, len(z), batch_size):
        state.check()
        x = np.asarray(dec(z[start : start + batch_size]), dtype=np.float32)
        out[start : start + len(x)] = np.round(np.clip(x, 0.0, 1.0) * 255.0).astype(np.uint8)
        state.set_progress(min(start + batch_size, len(z)) / max(len(z), 1), "decoding")
    return out


def cache_key(model: LatentModel, ds: Dataset, seed: int) -> str:
    text = f"{CACHE_FORMAT}|{model.fingerprint}|{ds.fingerprint()}|{seed}"
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def default_cache_root(model: LatentModel) -> Path:
    if model.cache_dir is not None:
        return model.cache_dir
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "latent-explorer" / "encodings"


def encode_dataset(
    model: LatentModel,
    ds: Dataset,
    batch_size: int = 256,
    seed: int = 0,
    state: TaskState | None = None,
    cache: bool | str | os.PathLike = True,
) -> Encodings:
    """Encode every image of ``ds`` (streamed for folders), with progress and cancel.

    ``cache=True`` uses ``<bundle>/cache`` (or ``~/.cache/latent-explorer`` for an
    encoder/decoder pair); a path uses that folder; ``False`` skips the cache.
    """
    from explorer.core.datasets import check_shape

    state = ensure_state(state)
    check_shape(ds, model.input_shape)
    folder = None
    if cache:
        root = default_cache_root(model) if cache is True else Path(cache)
        folder = root / cache_key(model, ds, seed)
        found = load_cached(folder)
        if found is not None:
            state.set_progress(1.0, "loaded cached encodings")
            return found
    enc = _encode(model, ds, batch_size, seed, state)
    if folder is not None:
        save_cached(folder, enc)
    return enc


def _encode(
    model: LatentModel, ds: Dataset, batch_size: int, seed: int, state: TaskState
) -> Encodings:
    rng = np.random.default_rng(seed)
    n = len(ds)
    parts: dict[str, list[np.ndarray]] = {}
    indices: list[np.ndarray] = []
    done = 0
    for x, idx in _batches(ds, batch_size):
        state.check()
        for key, value in encode_batch(model, x, rng).items():
            parts.setdefault(key, []).append(value)
        indices.append(idx)
        done += len(idx)
        state.set_progress(done / n, f"encoding {done}/{n}")
    state.check()
    z_dim = model.z_dim
    joined = {
        k: np.concatenate(v) if v else np.zeros((0, z_dim), np.float32) for k, v in parts.items()
    }
    idx = np.concatenate(indices) if indices else np.zeros(0, np.int64)
    labels = ds.labels[idx] if ds.labels is not None else None
    return Encodings(
        z=joined.get("z", np.zeros((0, z_dim), np.float32)),
        mu=joined.get("mu"),
        logvar=joined.get("logvar"),
        labels=labels,
        indices=idx,
        label_names=ds.label_names,
        kind=model.kind,
        model_name=model.name,
        dataset_name=ds.name,
        skipped=n - len(idx),
    )


def _batches(ds: Dataset, batch_size: int):
    """Float batches with their indices: slices of in-memory (or memory-mapped) arrays, which
    skips tf.data's set-up cost and never copies the whole array; folders stream via tf.data."""
    if ds.images is not None:
        for start in range(0, len(ds), batch_size):
            x = np.asarray(ds.images[start : start + batch_size])
            x = x.astype(np.float32) / 255.0 if x.dtype == np.uint8 else x.astype(np.float32)
            yield x, np.arange(start, start + len(x))
        return
    for x, idx in ds.tf_dataset(batch_size, with_index=True):
        yield x.numpy(), idx.numpy()


def save_cached(folder: Path, enc: Encodings) -> None:
    """Write each array as ``.npy`` and an ``info.json`` last (its presence marks completeness)."""
    tmp = folder.with_name(folder.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for key in ARRAYS:
        value = getattr(enc, key)
        if value is not None:
            np.save(tmp / f"{key}.npy", np.asarray(value), allow_pickle=False)
    info = {
        "format": CACHE_FORMAT,
        "kind": enc.kind,
        "model_name": enc.model_name,
        "dataset_name": enc.dataset_name,
        "label_names": enc.label_names,
        "skipped": enc.skipped,
    }
    (tmp / "info.json").write_text(json.dumps(info))
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(tmp, folder)


def load_cached(folder: Path) -> Encodings | None:
    """Encodings from a cache folder, arrays memory-mapped; ``None`` if absent or broken."""
    try:
        info = json.loads((folder / "info.json").read_text())
        if info.get("format") != CACHE_FORMAT:
            return None
        arrays = {
            k: np.load(folder / f"{k}.npy", mmap_mode="r", allow_pickle=False)
            for k in ARRAYS
            if (folder / f"{k}.npy").exists()
        }
    except (OSError, ValueError):
        return None
    if "z" not in arrays:
        return None
    return Encodings(
        **arrays,
        label_names=info.get("label_names"),
        kind=info["kind"],
        model_name=info["model_name"],
        dataset_name=info["dataset_name"],
        skipped=info.get("skipped", 0),
    )
