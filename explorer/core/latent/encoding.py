"""Encode data sets into z-points and decode z-points into images, in compiled batches.

Encodings are cached per (model, data set) (:mod:`explorer.core.latent.encoding_cache`:
verified ``.npy`` files opened memory-mapped, no pickle); the cache key changes when the model
file or the data change. A damaged entry is encoded again, a cache that cannot be written is
gone without; either is said in :attr:`Encodings.note`.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from explorer.core.data.dataset import Dataset
from explorer.core.data.pipeline import make_tf_dataset
from explorer.core.errors import DatasetError
from explorer.core.latent.encoding_cache import (
    CACHE_FORMAT,
    CacheDamaged,
    discard,
    load_cached,
    save_cached,
)
from explorer.core.latent.encodings import Encodings
from explorer.core.model.store import LatentModel
from explorer.core.progress import TaskState, ensure_state
from explorer.core.util import atomic
from explorer.core.util.imaging import from_uint8, to_uint8
from explorer.core.util.paths import user_cache_dir


def model_input(model: LatentModel, x: np.ndarray) -> np.ndarray:
    """Images in [0, 1], ``(n, h, w, c)`` -> what the encoder takes: mapped into its input
    range and, for a channels-first model, ``(n, c, h, w)``."""
    lo, hi = model.input_range
    x = np.asarray(x, dtype=np.float32)
    if (lo, hi) != (0.0, 1.0):
        x = x * np.float32(hi - lo) + np.float32(lo)
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2)) if model.channels_first else x


def to_unit(model: LatentModel, y: np.ndarray) -> np.ndarray:
    """Decoder output -> float32 ``(n, h, w, c)`` in [0, 1] units (channels last), mapped
    from the model's output range and not clipped (losses need the values as they are)."""
    lo, hi = model.output_range
    y = np.asarray(y, dtype=np.float32)
    if model.channels_first:
        y = y.transpose(0, 2, 3, 1)
    if (lo, hi) != (0.0, 1.0):
        y = (y - np.float32(lo)) / np.float32(hi - lo)
    return y


def to_pixels(model: LatentModel, y: np.ndarray) -> np.ndarray:
    """Decoder output -> uint8 ``(n, h, w, c)``: mapped from its output range to [0, 1] (never
    clipped from the wrong range), then to 0..255."""
    return to_uint8(to_unit(model, y))


def encode_batch(
    model: LatentModel, x: np.ndarray, rng: np.random.Generator | None = None
) -> dict[str, np.ndarray]:
    """Encode float images ``x`` in [0, 1], ``(n, h, w, c)``: ``{"z"}`` for an AE,
    ``{"mu", "logvar", "z"}`` for a VAE (one compiled call for TensorFlow formats).

    For a VAE whose encoder gives only (mu, logvar), ``z = mu + exp(logvar/2) * eps`` with
    ``eps ~ N(0, 1)`` clipped to ``|eps| <= eps_clip``, drawn from ``rng``.
    """
    parts = model.encoder(model_input(model, x))
    if model.encoder_outputs == "z":
        return {"z": parts[0]}
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
    z = np.asarray(z, dtype=np.float32).reshape(-1, model.z_dim)
    out = np.empty((len(z), *model.input_shape), dtype=np.uint8)
    for start in range(0, len(z), batch_size):
        state.check()
        x = to_pixels(model, model.decoder(z[start : start + batch_size])[0])
        out[start : start + len(x)] = x
        state.set_progress(min(start + batch_size, len(z)) / max(len(z), 1), "decoding")
    return out


def cache_key(model: LatentModel, ds: Dataset, seed: int) -> str:
    layout = f"{model.input_range}|{model.channels_first}"  # what the encoder is fed
    text = f"{CACHE_FORMAT}|{model.fingerprint}|{layout}|{ds.fingerprint()}|{seed}"
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def cache_roots(model: LatentModel) -> list[Path]:
    """Where encodings of ``model`` are looked up: its bundle's ``cache/`` (if it has a
    bundle), then ``$XDG_CACHE_HOME/latent-explorer/encodings``."""
    bundle = [model.cache_dir] if model.cache_dir is not None else []
    return [*bundle, user_cache_dir("encodings")]


def default_cache_root(model: LatentModel) -> Path:
    """Where new encodings of ``model`` are cached: the bundle's ``cache/`` when a file can be
    created there, else (a read-only bundle, or a pair of files) the user cache folder."""
    *bundle, user = cache_roots(model)
    return next((root for root in bundle if atomic.unwritable_reason(root) is None), user)


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
    encoder/decoder pair or a read-only bundle, see :func:`default_cache_root`); a path uses
    that folder; ``False`` skips the cache.
    """
    from explorer.core.data.dataset import check_shape

    state = ensure_state(state)
    check_shape(ds, model.input_shape)
    if not cache:
        return _encode(model, ds, batch_size, seed, state)
    key = cache_key(model, ds, seed)
    notes = []
    for root in cache_roots(model) if cache is True else [Path(cache)]:
        try:
            found = load_cached(root / key)
        except CacheDamaged as exc:
            notes.append(f"encodings cache {root / key}: {exc}; discarded, encoding again")
            discard(root / key)
            continue
        if found is not None:
            state.set_progress(1.0, "loaded cached encodings")
            found.note = "; ".join(notes)
            return found
    enc = _encode(model, ds, batch_size, seed, state)
    try:
        save_cached((default_cache_root(model) if cache is True else Path(cache)) / key, enc)
    except OSError as exc:  # a full or read-only cache disk: the encodings are still good
        reason = exc.strerror or type(exc).__name__
        notes.append(f"could not write the encodings cache ({reason}); going on without it")
    enc.note = "; ".join(notes)
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
    if not done:
        raise _no_points(ds)
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


def _no_points(ds: Dataset) -> DatasetError:
    """The error for an encoding that gave no z-points (no image, or none readable)."""
    if ds.streamed:
        from explorer.core.data.imagefiles import none_readable

        return none_readable(ds.source, len(ds))
    return DatasetError(f"{ds.source or ds.name}: the data set has no images")


def _batches(ds: Dataset, batch_size: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Float batches with their indices: slices of in-memory (or memory-mapped) arrays, which
    skips tf.data's set-up cost and never copies the whole array; folders stream via tf.data."""
    if ds.images is not None:
        for start in range(0, len(ds), batch_size):
            x = np.asarray(ds.images[start : start + batch_size])
            x = from_uint8(x) if x.dtype == np.uint8 else x.astype(np.float32)
            yield x, np.arange(start, start + len(x))
        return
    for x, idx in make_tf_dataset(ds, batch_size, with_index=True):
        yield x.numpy(), idx.numpy()
